package io.vodpack.delivery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vodpack.core.async.Async;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.lifecycle.StartupOrder;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.core.storage.ContentStore;

/**
 * The published segments this replica served lately, kept as files on its scratch disk (storage kind {@code s3}):
 * a segment is read from the bucket once per replica, then sent from the file with sendfile. A published folder never
 * changes, so an entry stays right until its job is deleted ({@link #forget}, told by every replica's deletion
 * notification). At most {@code vodpack.delivery.cache-size} bytes, least recently used out first; emptied at start.
 */
@ApplicationScoped
class SegmentCache {

    private static final Logger LOG = Logger.getLogger(SegmentCache.class);

    /**
     * Copies from the bucket at once, at most: more requests for segments not kept are served from the bucket without a
     * copy, so a client asking for many segments cannot turn each request into a second bucket read.
     */
    static final int MAX_FILLS = 2;

    /** One kept object: the file and the bucket's validators, so that every replica answers with the same ETag. */
    record Entry(String folder, Path file, long size, String etag, Instant lastModified) {
    }

    private final ContentStore store;
    private final Vertx vertx;
    private final Async async;
    private final Path root;
    private final long maxBytes;
    /** Larger objects are never kept (a quarter of the cache), so that one cannot empty it. */
    private final long maxObject;
    /** Fills leave this much free on the scratch disk, what uploads and packaging need. */
    private final long keepFree;
    /** Entries in least-recently-used order; guarded by {@code this}. */
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);
    private long bytes;
    /** Keys being copied, and the bytes they will take on disk (counted in the free-space check); guarded by {@code this}. */
    private final Set<String> filling = new HashSet<>();
    private long fillingBytes;
    /** Moves on every forget and clear: a fill that began before one is thrown away. */
    private final AtomicLong epoch = new AtomicLong();

    SegmentCache(ContentStore store, ContentStorage storage, VodpackConfig config, Vertx vertx, Async async) {
        this.store = store;
        this.vertx = vertx;
        this.async = async;
        this.root = storage.segmentCacheDir();
        boolean objects = store.publishedRoot().isEmpty() && !config.delivery().redirect();
        this.maxBytes = objects ? Math.max(0, config.delivery().cacheSize()) : 0;
        this.maxObject = maxBytes / 4;
        this.keepFree = config.upload().minFreeSpace();
    }

    /** Start-up, blocking: what an earlier run kept is unknown to this one, so it goes. */
    void empty(@Observes @Priority(StartupOrder.PREPARE) StartupEvent event) {
        ContentStorage.deleteRecursively(root);
        if (enabled()) {
            try {
                Files.createDirectories(root);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot create the segment cache " + root, e);
            }
        }
    }

    boolean enabled() {
        return maxBytes > 0;
    }

    /** The kept copy of a published object, if this replica has one. */
    synchronized Optional<Entry> get(String folder, String relative) {
        return Optional.ofNullable(entries.get(key(folder, relative)));
    }

    /**
     * Copies a published object of {@code size} bytes from the bucket into the cache, in the background, unless it is
     * kept already, being copied, too large, or the scratch disk is short of space. Safe to call from any thread.
     */
    void fill(String folder, String relative, long size) {
        String key = key(folder, relative);
        long startedIn;
        long othersFilling;
        synchronized (this) {
            if (!enabled() || size <= 0 || size > maxObject || entries.containsKey(key) || filling.size() >= MAX_FILLS
                    || !filling.add(key)) {
                return;
            }
            othersFilling = fillingBytes;
            fillingBytes += size;
            startedIn = epoch.get();
        }
        Path file = root.resolve(UUID.randomUUID() + ".segment");
        // Worker thread: the free-space check is a file system call.
        async.blocking(() -> Files.getFileStore(root).getUsableSpace() >= othersFilling + size + keepFree)
                .flatMap(room -> room ? store.copyPublished(folder, relative, file)
                        : Uni.createFrom().item(Optional.<ContentStore.StoredObject> empty()))
                .subscribe().with(copied -> {
                    boolean kept = copied.isPresent() && keep(key, new Entry(folder, file, copied.get().size(),
                            copied.get().etag(), copied.get().lastModified()), startedIn);
                    filled(key, size);
                    if (copied.isPresent() && !kept) {
                        delete(file);
                    }
                }, failure -> {
                    filled(key, size);
                    delete(file);
                    LOG.debugf("Segment %s/%s not kept: %s", folder, relative, failure.getMessage());
                });
    }

    private synchronized void filled(String key, long size) {
        filling.remove(key);
        fillingBytes -= size;
    }

    /** Adds a copied entry unless a forget or clear came meanwhile; evicts the least recently used beyond the size. */
    private boolean keep(String key, Entry entry, long startedIn) {
        List<Path> evicted = new ArrayList<>();
        synchronized (this) {
            if (epoch.get() != startedIn || entries.containsKey(key)) {
                return false;
            }
            entries.put(key, entry);
            bytes += entry.size();
            Iterator<Entry> oldest = entries.values().iterator();
            while (bytes > maxBytes && oldest.hasNext()) {
                Entry out = oldest.next();
                oldest.remove();
                bytes -= out.size();
                evicted.add(out.file());
            }
        }
        evicted.forEach(this::delete);
        return true;
    }

    /** Drops every kept object of a published folder (its job was deleted). */
    void forget(String folder) {
        List<Path> dropped = new ArrayList<>();
        synchronized (this) {
            epoch.incrementAndGet();
            Iterator<Entry> all = entries.values().iterator();
            while (all.hasNext()) {
                Entry entry = all.next();
                if (entry.folder().equals(folder)) {
                    all.remove();
                    bytes -= entry.size();
                    dropped.add(entry.file());
                }
            }
        }
        dropped.forEach(this::delete);
    }

    /** Drops one kept object whose file is gone; the next request from the bucket copies it again. */
    void drop(String folder, String relative) {
        Entry entry;
        synchronized (this) {
            entry = entries.remove(key(folder, relative));
            if (entry != null) {
                bytes -= entry.size();
            }
        }
        if (entry != null) {
            delete(entry.file());
        }
    }

    /** Drops everything (deletions may have gone unheard). */
    void clear() {
        List<Path> dropped = new ArrayList<>();
        synchronized (this) {
            epoch.incrementAndGet();
            entries.values().forEach(entry -> dropped.add(entry.file()));
            entries.clear();
            bytes = 0;
        }
        dropped.forEach(this::delete);
    }

    /** Bytes kept now. */
    synchronized long size() {
        return bytes;
    }

    /**
     * Deletes a file that is out of the cache. A response that is sending it keeps reading it: sendfile holds it open,
     * and the file system frees it when the last reader closes it.
     */
    private void delete(Path file) {
        vertx.fileSystem().delete(file.toString());
    }

    private static String key(String folder, String relative) {
        return folder + "/" + relative;
    }
}
