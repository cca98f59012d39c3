package io.vodpack.upload.resumable;

import java.nio.file.Files;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vodpack.core.async.Async;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.storage.ContentStorage;

/** Removes resumable uploads, row, bytes and digest state: when a client terminates one, and when they expire. */
@ApplicationScoped
public class ResumableUploadRemoval {

    private static final Logger LOG = Logger.getLogger(ResumableUploadRemoval.class);

    private final ResumableUploadRepository uploads;
    private final RunningDigests digests;
    private final ContentStorage storage;
    private final Async async;
    private final Vertx vertx;

    public ResumableUploadRemoval(ResumableUploadRepository uploads, RunningDigests digests, ContentStorage storage,
            Async async, Vertx vertx) {
        this.uploads = uploads;
        this.digests = digests;
        this.storage = storage;
        this.async = async;
        this.vertx = vertx;
    }

    /** tus termination: the upload and its bytes are deleted; 404 when unknown. */
    public Uni<Void> terminate(String id) {
        return Panache.withTransaction(() -> uploads.findById(id)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("No resumable upload " + id + "."))
                .call(upload -> uploads.delete(upload)))
                .flatMap(upload -> {
                    digests.forget(id);
                    return Async.await(vertx.fileSystem().delete(storage.resumableFile(id).toString()).otherwiseEmpty());
                });
    }

    /** Removes resumable uploads past Upload-Expires, rows and files; returns how many. */
    public Uni<Integer> expire() {
        return Panache.withTransaction(() -> uploads.expired(OffsetDateTime.now(ZoneOffset.UTC))
                .call(expired -> expired.isEmpty() ? Uni.createFrom().voidItem()
                        : uploads.delete("id in ?1", expired.stream().map(u -> u.id).toList()).replaceWithVoid()))
                // worker thread: file deletions
                .flatMap(expired -> async.blocking(() -> {
                    for (ResumableUpload upload : expired) {
                        digests.forget(upload.id);
                        Files.deleteIfExists(storage.resumableFile(upload.id));
                    }
                    if (!expired.isEmpty()) {
                        LOG.infof("Removed %d expired resumable upload(s)", expired.size());
                    }
                    return expired.size();
                }));
    }
}
