package io.vodpack.upload.resumable;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.error.ProblemException;

/**
 * The write lock of a resumable upload: one PATCH at a time, across replicas sharing the database. The lock is
 * a row update with a short time to live ({@code vodpack.upload.resumable-lock-ttl}), renewed every third of it
 * while the PATCH runs, each renewal also recording the offset of the bytes already fsynced. A killed writer's
 * lock lapses within one TTL, and the upload resumes from its last renewal's offset.
 */
@ApplicationScoped
public class UploadLock {

    private static final Logger LOG = Logger.getLogger(UploadLock.class);

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
        return Panache.withTransaction(() -> uploads.lock(id, owner, now.plus(ttl()), now)
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

    /**
     * Runs {@code work} while renewing the lock every third of its time to live. Each renewal first asks
     * {@code durableOffset} how far the bytes are on disk and records that offset with it (unless it is null). When a renewal finds
     * the lock taken by another writer, {@code lost} runs (the PATCH is stopped). The renewals stop when the work
     * ends, however it ends. Timer and database calls run on the caller's event loop.
     */
    <T> Uni<T> renewedWhile(Held held, Supplier<Uni<Long>> durableOffset, Runnable lost, Supplier<Uni<T>> work) {
        return Uni.createFrom().deferred(() -> {
            long timer = vertx.setPeriodic(ttl().toMillis() / 3, t -> durableOffset.get()
                    .flatMap(offset -> renew(held, offset))
                    .subscribe().with(stillHeld -> {
                        if (!stillHeld) {
                            LOG.warnf("Lost the write lock of resumable upload %s; stopping the PATCH", held.upload().id);
                            lost.run();
                        }
                    }, e -> LOG.debugf("Lock renewal failed: %s", e.getMessage())));
            return work.get().onTermination().invoke(() -> vertx.cancelTimer(timer));
        });
    }

    /**
     * Extends the lock and records {@code offset} (bytes on disk; null: the offset is recorded by the writer itself,
     * with what belongs to it); false when this request no longer holds it.
     */
    Uni<Boolean> renew(Held held, Long offset) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        OffsetDateTime expires = now.plus(config.upload().resumableExpireAfter());
        return Panache.withTransaction(() -> offset == null
                ? uploads.extendLock(held.upload().id, held.owner(), now.plus(ttl()), expires)
                : uploads.renewLock(held.upload().id, held.owner(), now.plus(ttl()), offset, expires));
    }

    private Duration ttl() {
        return config.upload().resumableLockTtl();
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
