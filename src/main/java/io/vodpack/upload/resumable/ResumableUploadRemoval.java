package io.vodpack.upload.resumable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vodpack.core.db.SqlNames;
import io.vodpack.core.async.Async;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.core.storage.ObjectParts;

/**
 * Removes resumable uploads, row, bytes and digest state: when a client terminates one, when they expire, and
 * partial files that have no upload at all (a creation that failed halfway, a crash).
 */
@ApplicationScoped
public class ResumableUploadRemoval {

    private static final Logger LOG = Logger.getLogger(ResumableUploadRemoval.class);

    /** Rows removed per statement: bounded work per round trip, however many have expired. */
    static final int BATCH = 1000;

    private final ResumableUploadRepository uploads;
    private final RunningDigests digests;
    private final ContentStorage storage;
    private final Async async;
    private final Vertx vertx;
    private final Pool pool;
    private final String table;
    private final BucketChunks bucket;

    public ResumableUploadRemoval(ResumableUploadRepository uploads, RunningDigests digests, ContentStorage storage,
            Async async, Vertx vertx, Pool pool, @ConfigProperty(name = "db.schema") String schema, BucketChunks bucket) {
        this.bucket = bucket;
        this.uploads = uploads;
        this.digests = digests;
        this.storage = storage;
        this.async = async;
        this.vertx = vertx;
        this.pool = pool;
        this.table = SqlNames.table(schema, "resumable_upload");
    }

    /** tus termination: the upload and its bytes are deleted; 404 when unknown. */
    public Uni<Void> terminate(String id) {
        return Panache.withTransaction(() -> uploads.findById(id)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("No resumable upload " + id + "."))
                .call(upload -> uploads.delete(upload)))
                .flatMap(upload -> {
                    digests.forget(id);
                    if (bucket.active()) {
                        return removeFromBucket(id, upload.objectName, upload.multipartId);
                    }
                    return Async.await(vertx.fileSystem().delete(storage.resumableFile(id).toString()).otherwiseEmpty());
                });
    }

    /**
     * Storage kind s3: aborts an upload's multipart upload (its parts go) and deletes its tail objects. A failure is
     * logged: the sweeper aborts multipart uploads no unfinished upload names, and removes their tails.
     */
    private Uni<Void> removeFromBucket(String id, String objectName, String multipartId) {
        ObjectParts parts = bucket.parts();
        Uni<Void> abort = multipartId == null ? Uni.createFrom().voidItem()
                : Async.stage(() -> parts.abort(ObjectParts.inputKey(objectName), multipartId)).replaceWithVoid();
        return abort.chain(() -> Async.stage(() -> parts.deleteUnder(BucketChunks.tails(id))))
                .replaceWithVoid()
                .onFailure().invoke(e -> LOG.warnf("Parts of resumable upload %s not removed (%s); the sweeper will", id,
                        e.getMessage()))
                .onFailure().recoverWithNull();
    }

    /**
     * Storage kind s3: tail objects under {@code resumable/} older than {@code cutoff} whose upload is not unfinished
     * (its removal failed halfway, an instance died between writing a tail and recording it). Returns how many uploads'
     * tails went.
     */
    public Uni<Integer> removeOrphanTails(ObjectParts parts, Instant cutoff) {
        return Async.stage(() -> parts.keysOlderThan("resumable/", cutoff))
                .flatMap(keys -> {
                    List<String> ids = keys.stream().map(k -> k.substring("resumable/".length()))
                            .filter(k -> k.indexOf('/') > 0).map(k -> k.substring(0, k.indexOf('/'))).distinct().toList();
                    if (ids.isEmpty()) {
                        return Uni.createFrom().item(0);
                    }
                    return unfinished(ids).flatMap(live -> {
                        List<String> gone = ids.stream().filter(id -> !live.contains(id)).toList();
                        return Multi.createFrom().iterable(gone)
                                .onItem().transformToUniAndConcatenate(id -> Async.stage(() -> parts.deleteUnder(BucketChunks.tails(id))))
                                .collect().asList().map(List::size);
                    });
                });
    }

    /**
     * Removes unfinished resumable uploads past Upload-Expires (not one being written to), rows and files, in
     * batches of {@link #BATCH}: each batch is one statement on the event loop, its files are deleted on a worker
     * thread. Returns how many.
     */
    public Uni<Integer> expire() {
        String sql = "DELETE FROM " + table + " WHERE id IN (SELECT id FROM " + table
                + " WHERE status = 'UPLOADING' AND expires_at < now() AND (lock_owner IS NULL OR locked_until < now())"
                + " LIMIT " + BATCH + " FOR UPDATE SKIP LOCKED) RETURNING id, object_name, multipart_id";
        return Multi.createBy().repeating()
                .uni(() -> pool.query(sql).execute().map(rows -> {
                    List<String> ids = new ArrayList<>(rows.size());
                    List<String[]> inBucket = new ArrayList<>();
                    for (Row row : rows) {
                        ids.add(row.getString(0));
                        inBucket.add(new String[] { row.getString(0), row.getString(1), row.getString(2) });
                    }
                    return new Expired(ids, inBucket);
                }).call(expired -> bucket.active()
                        ? Multi.createFrom().iterable(expired.inBucket()).onItem()
                                .transformToUniAndConcatenate(u -> removeFromBucket(u[0], u[1], u[2])).collect().last()
                        : deleteFiles(expired.ids()))
                        .map(Expired::ids))
                .whilst(ids -> ids.size() == BATCH)
                .collect().in(() -> new int[1], (sum, ids) -> sum[0] += ids.size())
                .map(sum -> sum[0])
                .invoke(n -> {
                    if (n > 0) {
                        LOG.infof("Removed %d expired resumable upload(s)", n);
                    }
                });
    }

    /** Removed uploads: their ids, and with storage kind s3 each one's id, object name and multipart upload. */
    private record Expired(List<String> ids, List<String[]> inBucket) {
    }

    /** Worker thread: the files and digest states of removed uploads. */
    private Uni<Void> deleteFiles(List<String> ids) {
        return async.blocking(() -> {
            for (String id : ids) {
                digests.forget(id);
                Files.deleteIfExists(storage.resumableFile(id));
            }
        });
    }

    /**
     * Removes files under {@code resumable/} older than {@code cutoff} that belong to no unfinished upload (a
     * creation whose row was never written, an upload deleted while its file was kept). Returns how many.
     */
    public Uni<Integer> removeOrphanFiles(Instant cutoff) {
        return async.blocking(() -> oldFiles(storage.resumableDir(), cutoff))
                .flatMap(files -> files.isEmpty() ? Uni.createFrom().item(0)
                        : unfinished(files.stream().map(ResumableUploadRemoval::uploadId).toList())
                                .flatMap(live -> async.blocking(() -> deleteUnless(files, live))));
    }

    private Uni<Set<String>> unfinished(List<String> ids) {
        return pool.preparedQuery("SELECT id FROM " + table + " WHERE status = 'UPLOADING' AND id = ANY($1)")
                .execute(Tuple.of(ids.toArray(String[]::new)))
                .map(rows -> {
                    Set<String> live = new HashSet<>();
                    rows.forEach(row -> live.add(row.getString(0)));
                    return live;
                });
    }

    private int deleteUnless(List<Path> files, Set<String> live) throws IOException {
        int removed = 0;
        for (Path file : files) {
            if (!live.contains(uploadId(file)) && Files.deleteIfExists(file)) {
                removed++;
            }
        }
        if (removed > 0) {
            LOG.infof("Removed %d partial file(s) of resumable uploads that no longer exist", removed);
        }
        return removed;
    }

    private static String uploadId(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".part") ? name.substring(0, name.length() - ".part".length()) : name;
    }

    private static List<Path> oldFiles(Path dir, Instant cutoff) throws IOException {
        List<Path> old = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                try {
                    if (Files.getLastModifiedTime(file).toInstant().isBefore(cutoff)) {
                        old.add(file);
                    }
                } catch (IOException gone) {
                    // removed meanwhile
                }
            }
        }
        return old;
    }
}
