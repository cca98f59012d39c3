package io.vodpack.upload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vodpack.core.async.Async;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.db.SqlNames;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.core.storage.ContentStore;
import io.vodpack.core.storage.ObjectParts;
import io.vodpack.upload.resumable.ResumableUploadRemoval;

/**
 * Removes what interrupted uploads leave behind if the immediate cleanup could not run (a crash, a kill):
 * partial files nobody has written to for {@code vodpack.upload.stale-after}, and stored files without a
 * row that are older than that; resumable uploads past their expiry, and resumable partial files with no upload.
 * Runs at startup and then periodically; each step independent of the others' failures. The database is asked
 * only about the stale files found, by their unique name, so a sweep costs the same however many inputs are stored.
 */
@ApplicationScoped
public class UploadSweeper {

    private static final Logger LOG = Logger.getLogger(UploadSweeper.class);
    /** Names asked per statement. */
    private static final int BATCH = 1000;

    private final ContentStorage storage;
    private final ContentStore inputs;
    private final VodpackConfig config;
    private final Async async;
    private final ResumableUploadRemoval resumable;
    private final Pool pool;
    private final String table;
    private final String resumableTable;

    public UploadSweeper(ContentStorage storage, ContentStore inputs, VodpackConfig config, Async async,
            ResumableUploadRemoval resumable, Pool pool, @ConfigProperty(name = "db.schema") String schema) {
        this.storage = storage;
        this.inputs = inputs;
        this.config = config;
        this.async = async;
        this.resumable = resumable;
        this.pool = pool;
        this.table = SqlNames.table(schema, "input_content");
        this.resumableTable = SqlNames.table(schema, "resumable_upload");
    }

    @Scheduled(every = "${vodpack.upload.sweep-interval}", delayed = "2s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> sweep() {
        Instant cutoff = Instant.now().minus(config.upload().staleAfter());
        // Each step runs whatever the others did: one that fails is logged and retried at the next run.
        return step("expired resumable uploads", resumable::expire)
                .call(() -> step("orphaned resumable files", () -> resumable.removeOrphanFiles(cutoff)))
                .call(() -> step("stale upload files", () -> async.blocking(() -> removeStalePartials(cutoff))
                        .flatMap(removed -> async.blocking(() -> staleStoredFiles(cutoff)))
                        .flatMap(names -> referenced(names).flatMap(rows -> async.blocking(() -> removeUnreferenced(names, rows))))))
                .call(() -> step("stale multipart uploads", () -> inputs.objectParts()
                        .map(parts -> abortStaleUploads(parts, cutoff)).orElse(Uni.createFrom().item(0))))
                .call(() -> step("orphaned resumable tails", () -> inputs.objectParts()
                        .map(parts -> resumable.removeOrphanTails(parts, cutoff)).orElse(Uni.createFrom().item(0))));
    }

    /**
     * Multipart uploads to the bucket that no unfinished resumable upload goes on with and that nobody has written a
     * part to since {@code cutoff} (a killed instance's, or a removed resumable upload's): aborted, so their parts stop
     * costing storage. An upload still receiving parts is never stale, however long it runs.
     */
    Uni<Integer> abortStaleUploads(ObjectParts parts, Instant cutoff) {
        return Async.stage(parts::openUploads)
                .flatMap(open -> open.isEmpty() ? Uni.createFrom().item(List.<ObjectParts.OpenUpload>of())
                        : pool.preparedQuery("SELECT multipart_id FROM " + resumableTable
                                + " WHERE status = 'UPLOADING' AND multipart_id = ANY($1)")
                                .execute(Tuple.of(open.stream().map(ObjectParts.OpenUpload::uploadId).toArray(String[]::new)))
                                .map(rows -> {
                                    Set<String> live = new HashSet<>();
                                    rows.forEach(row -> live.add(row.getString(0)));
                                    return open.stream().filter(u -> !live.contains(u.uploadId())).toList();
                                }))
                .flatMap(candidates -> Multi.createFrom().iterable(candidates)
                        .onItem().transformToUniAndConcatenate(upload -> Async.stage(() -> parts.lastWritten(upload))
                                .flatMap(last -> last.isBefore(cutoff)
                                        ? Async.stage(() -> parts.abort(upload.key(), upload.uploadId())).replaceWith(1)
                                        : Uni.createFrom().item(0))
                                // one that cannot be looked at now (completed or aborted meanwhile) waits for the next run
                                .onFailure().invoke(e -> LOG.debugf("Multipart upload %s not swept: %s", upload.uploadId(),
                                        e.getMessage()))
                                .onFailure().recoverWithItem(0))
                        .collect().with(Collectors.summingInt(Integer::intValue)))
                .invoke(aborted -> {
                    if (aborted > 0) {
                        LOG.infof("Aborted %d multipart upload(s) left open by interrupted uploads", aborted);
                    }
                });
    }

    private static Uni<Void> step(String name, Supplier<Uni<?>> work) {
        return Uni.createFrom().deferred(work)
                .onFailure().invoke(failure -> LOG.warnf(failure, "Upload sweep step '%s' failed; next run retries", name))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** Blocking: deletes partial files under {@code incoming/} nobody has written to since {@code cutoff}. */
    int removeStalePartials(Instant cutoff) {
        int removed = 0;
        for (Path file : list(storage.incomingDir())) {
            if (olderThan(file, cutoff) && delete(file)) {
                removed++;
            }
        }
        if (removed > 0) {
            LOG.infof("Removed %d partial upload file(s) left by interrupted uploads", removed);
        }
        return removed;
    }

    /** Blocking: names of the stored inputs older than {@code cutoff}: those a row may no longer name. */
    List<String> staleStoredFiles(Instant cutoff) {
        return storedInputsOlderThan(cutoff);
    }

    /** Of {@code names}, those an input row names (its unique storage name), asked in batches of {@link #BATCH}. */
    private Uni<Set<String>> referenced(List<String> names) {
        Set<String> referenced = new HashSet<>();
        return Multi.createFrom().iterable(batches(names))
                .onItem().transformToUniAndConcatenate(batch -> pool.preparedQuery("SELECT storage_name FROM " + table
                        + " WHERE storage_name = ANY($1)").execute(Tuple.of(batch.toArray(String[]::new))))
                .invoke(rows -> rows.forEach(row -> referenced.add(row.getString(0))))
                .collect().last().map(last -> referenced);
    }

    private static List<List<String>> batches(List<String> names) {
        List<List<String>> batches = new ArrayList<>();
        for (int from = 0; from < names.size(); from += BATCH) {
            batches.add(names.subList(from, Math.min(names.size(), from + BATCH)));
        }
        return batches;
    }

    /** Blocking: deletes the stored files no row names; returns how many. */
    int removeUnreferenced(List<String> names, Set<String> referenced) {
        int removed = 0;
        for (String name : names) {
            if (!referenced.contains(name) && deleteInput(name)) {
                removed++;
            }
        }
        if (removed > 0) {
            LOG.infof("Removed %d stored file(s) that no input names", removed);
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
