package io.vodpack.upload.resumable;

import java.time.OffsetDateTime;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import io.vodpack.core.error.ProblemException;

/** Rows of {@link ResumableUpload}. The write lock is one guarded UPDATE, so replicas never interleave bytes. */
@ApplicationScoped
public class ResumableUploadRepository implements PanacheRepositoryBase<ResumableUpload, String> {

    /** The upload, unless it is unknown or an unfinished upload past its expiry: then 404. */
    public Uni<ResumableUpload> findLive(String id, OffsetDateTime now) {
        return findById(id).map(upload -> {
            if (upload == null || !upload.isLive(now)) {
                throw ProblemException.notFound("No resumable upload " + id + " (unknown, terminated or expired).");
            }
            return upload;
        });
    }

    /** Takes the write lock unless another request holds an unexpired one. */
    public Uni<Boolean> lock(String id, String owner, OffsetDateTime until, OffsetDateTime now) {
        return update("lockOwner = ?1, lockedUntil = ?2 where id = ?3 and (lockOwner is null or lockedUntil < ?4)",
                owner, until, id, now).map(rows -> rows > 0);
    }

    /** Extends the lock and records the offset reached so far (bytes fsynced), while {@code owner} holds it. */
    public Uni<Boolean> renewLock(String id, String owner, OffsetDateTime until, long offset, OffsetDateTime expiresAt) {
        return update("lockedUntil = ?1, offset = ?2, expiresAt = ?3 where id = ?4 and lockOwner = ?5", until, offset,
                expiresAt, id, owner).map(rows -> rows > 0);
    }

    /** Extends the lock while {@code owner} holds it, leaving the offset as it is. */
    public Uni<Boolean> extendLock(String id, String owner, OffsetDateTime until, OffsetDateTime expiresAt) {
        return update("lockedUntil = ?1, expiresAt = ?2 where id = ?3 and lockOwner = ?4", until, expiresAt, id, owner)
                .map(rows -> rows > 0);
    }

    /** Records the new offset and releases the lock. */
    public Uni<Integer> advance(String id, String owner, long offset, OffsetDateTime expiresAt) {
        return update("offset = ?1, expiresAt = ?2, lockOwner = null, lockedUntil = null where id = ?3 and lockOwner = ?4",
                offset, expiresAt, id, owner);
    }

    /**
     * Records how far the bytes are durable in the bucket, while {@code owner} holds the lock: the offset with the
     * parts, the tail object and the SHA-256 state that reach exactly it, in one statement.
     */
    public Uni<Boolean> recordParts(String id, String owner, long offset, String multipartId, String partEtags,
            String tailKey, byte[] sha256State) {
        return update("offset = ?1, multipartId = ?2, partEtags = ?3, tailKey = ?4, sha256State = ?5 where id = ?6"
                + " and lockOwner = ?7", offset, multipartId, partEtags, tailKey, sha256State, id, owner).map(rows -> rows > 0);
    }

    public Uni<Integer> markComplete(String id, long inputContentId) {
        return update("status = ?1, inputContentId = ?2 where id = ?3", ResumableUpload.Status.COMPLETE, inputContentId, id);
    }

    public Uni<Integer> markFailed(String id, ProblemException problem) {
        return update("status = ?1, errorStatus = ?2, errorDetail = ?3 where id = ?4", ResumableUpload.Status.FAILED,
                problem.status(), problem.getMessage(), id);
    }
}
