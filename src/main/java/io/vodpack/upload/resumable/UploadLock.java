package io.vodpack.upload.resumable;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.error.ProblemException;

/**
 * The write lock of a resumable upload: one PATCH at a time, across replicas sharing the database. The lock is
 * a row update with a time to live, renewed while the PATCH runs, so a crashed writer's lock runs out by itself.
 */
@ApplicationScoped
public class UploadLock {

    /** How long a lock holds without renewal; renewed every quarter of it. */
    static final Duration TTL = Duration.ofMinutes(2);

    private final ResumableUploadRepository uploads;
    private final VodpackConfig config;
    private final Vertx vertx;

    public UploadLock(ResumableUploadRepository uploads, VodpackConfig config, Vertx vertx) {
        this.uploads = uploads;
        this.config = config;
        this.vertx = vertx;
    }

    /** A lock this request holds on {@code upload}. */
    record Held(ResumableUpload upload, String owner) {
    }

    /**
     * Locks upload {@code id} for a PATCH at {@code offset}: 404 unless it is live, 423 while another request
     * holds the lock, 409 when the offset is not the server's (the lock is then not kept).
     */
    Uni<Held> acquire(String id, long offset) {
        String owner = UUID.randomUUID().toString();
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        return Panache.withTransaction(() -> uploads.lock(id, owner, now.plus(TTL), now)
                .flatMap(locked -> uploads.findLive(id, now).map(upload -> {
                    if (!locked) {
                        throw ProblemException.locked("upload-locked",
                                "Another request is writing to upload " + id + "; retry when it has finished.");
                    }
                    if (upload.status != ResumableUpload.Status.UPLOADING || upload.offset != offset) {
                        // the failure rolls the transaction back, the lock with it
                        upload.lockOwner = null;
                        upload.lockedUntil = null;
                        throw ProblemException.conflict("offset-mismatch", "Upload-Offset is " + offset
                                + " but the upload has " + upload.offset + " of " + upload.length + " bytes"
                                + (upload.status == ResumableUpload.Status.UPLOADING
                                        ? "; continue from there (HEAD tells the offset)."
                                        : " and is " + upload.status + "."));
                    }
                    return new Held(upload, owner);
                })));
    }

    /** Runs {@code work} while renewing the lock; the renewals stop when the work ends, however it ends. */
    <T> Uni<T> renewedWhile(Held held, Supplier<Uni<T>> work) {
        return Uni.createFrom().deferred(() -> {
            long timer = vertx.setPeriodic(TTL.toMillis() / 4, t -> Panache.withTransaction(() -> uploads.renewLock(
                    held.upload().id, held.owner(), OffsetDateTime.now(ZoneOffset.UTC).plus(TTL)))
                    .subscribe().with(ok -> {
                    }, e -> {
                    }));
            return work.get().onTermination().invoke(() -> vertx.cancelTimer(timer));
        });
    }

    /** Records {@code offset} (and a new expiry) and releases the lock. */
    Uni<Void> releaseAt(Held held, long offset) {
        ResumableUpload upload = held.upload();
        OffsetDateTime expires = OffsetDateTime.now(ZoneOffset.UTC).plus(config.upload().resumableExpireAfter());
        upload.offset = offset;
        upload.expiresAt = expires;
        return Panache.withTransaction(() -> uploads.advance(upload.id, held.owner(), offset, expires)).replaceWithVoid();
    }
}
