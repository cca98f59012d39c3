package io.vodpack.upload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vodpack.core.async.Async;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.core.storage.ContentStore;
import io.vodpack.upload.resumable.ResumableUploadRemoval;

/**
 * Removes what interrupted uploads leave behind if the immediate cleanup could not run (a crash, a kill):
 * partial files nobody has written to for {@code vodpack.upload.stale-after}, and stored files without a
 * row that are older than that; resumable uploads past their expiry, and resumable partial files with no upload.
 * Runs at startup and then periodically; each step independent of the others' failures.
 */
@ApplicationScoped
public class UploadSweeper {

    private static final Logger LOG = Logger.getLogger(UploadSweeper.class);

    private final ContentStorage storage;
    private final ContentStore inputs;
    private final InputContentRepository repository;
    private final VodpackConfig config;
    private final Async async;
    private final ResumableUploadRemoval resumable;

    public UploadSweeper(ContentStorage storage, ContentStore inputs, InputContentRepository repository,
            VodpackConfig config, Async async, ResumableUploadRemoval resumable) {
        this.storage = storage;
        this.inputs = inputs;
        this.repository = repository;
        this.config = config;
        this.async = async;
        this.resumable = resumable;
    }

    @Scheduled(every = "${vodpack.upload.sweep-interval}", delayed = "2s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> sweep() {
        Instant cutoff = Instant.now().minus(config.upload().staleAfter());
        // Each step runs whatever the others did: one that fails is logged and retried at the next run.
        return step("expired resumable uploads", resumable::expire)
                .call(() -> step("orphaned resumable files", () -> resumable.removeOrphanFiles(cutoff)))
                .call(() -> step("stale upload files", () -> Panache.withSession(repository::allStorageNames)
                        .flatMap(names -> async.blocking(() -> removeStale(cutoff, new HashSet<>(names))))))
                .call(() -> step("stale multipart uploads", () -> async.blocking(() -> abortStaleUploads(cutoff))));
    }

    /** Blocking: multipart uploads to the bucket that a killed instance left open. */
    private void abortStaleUploads(Instant cutoff) throws IOException {
        int aborted = inputs.abortStaleUploads(cutoff);
        if (aborted > 0) {
            LOG.infof("Aborted %d multipart upload(s) left open by interrupted uploads", aborted);
        }
    }

    private static Uni<Void> step(String name, Supplier<Uni<?>> work) {
        return Uni.createFrom().deferred(work)
                .onFailure().invoke(failure -> LOG.warnf(failure, "Upload sweep step '%s' failed; next run retries", name))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** Blocking: deletes stale partial files and unreferenced stored files; returns how many. */
    int removeStale(Instant cutoff, Set<String> referenced) {
        int removed = 0;
        for (Path file : list(storage.incomingDir())) {
            if (olderThan(file, cutoff) && delete(file)) {
                removed++;
            }
        }
        for (String name : storedInputsOlderThan(cutoff)) {
            if (!referenced.contains(name) && deleteInput(name)) {
                removed++;
            }
        }
        if (removed > 0) {
            LOG.infof("Removed %d file(s) left by interrupted uploads", removed);
        }
        return removed;
    }

    private List<String> storedInputsOlderThan(Instant cutoff) {
        try {
            return inputs.inputsOlderThan(cutoff);
        } catch (IOException e) {
            LOG.warnf("Cannot list stored inputs: %s", e.getMessage());
            return List.of();
        }
    }

    private boolean deleteInput(String name) {
        try {
            inputs.deleteInput(name);
            return true;
        } catch (IOException e) {
            LOG.warnf("Cannot delete stored input %s: %s", name, e.getMessage());
            return false;
        }
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        } catch (IOException e) {
            LOG.warnf("Cannot list %s: %s", dir, e.getMessage());
            return List.of();
        }
    }

    private static boolean olderThan(Path file, Instant cutoff) {
        try {
            return Files.getLastModifiedTime(file).toInstant().isBefore(cutoff);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean delete(Path file) {
        try {
            return Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warnf("Cannot delete %s: %s", file, e.getMessage());
            return false;
        }
    }
}
