package io.vodpack.upload.tus;

import java.time.OffsetDateTime;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;

/** Rows of {@link UploadSession}. The write lock is one guarded UPDATE, so replicas never interleave bytes. */
@ApplicationScoped
public class UploadSessionRepository implements PanacheRepositoryBase<UploadSession, String> {

    /** Takes the write lock unless another request holds an unexpired one. */
    public Uni<Boolean> lock(String id, String owner, OffsetDateTime until, OffsetDateTime now) {
        return update("lockOwner = ?1, lockedUntil = ?2 where id = ?3 and (lockOwner is null or lockedUntil < ?4)",
                owner, until, id, now).map(rows -> rows > 0);
    }

    public Uni<Boolean> renewLock(String id, String owner, OffsetDateTime until) {
        return update("lockedUntil = ?1 where id = ?2 and lockOwner = ?3", until, id, owner).map(rows -> rows > 0);
    }

    /** Records the new offset and releases the lock. */
    public Uni<Integer> advance(String id, String owner, long offset, OffsetDateTime expiresAt) {
        return update("offset = ?1, expiresAt = ?2, lockOwner = null, lockedUntil = null where id = ?3 and lockOwner = ?4",
                offset, expiresAt, id, owner);
    }

    public Uni<List<UploadSession>> expired(OffsetDateTime now) {
        return find("status = ?1 and expiresAt < ?2", UploadSession.Status.UPLOADING, now).list();
    }
}
