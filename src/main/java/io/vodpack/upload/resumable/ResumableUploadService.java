package io.vodpack.upload.resumable;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vodpack.access.Caller;
import io.vodpack.core.async.Async;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.error.ProblemException;
import io.vodpack.upload.ingest.UploadLimits;
import io.vodpack.upload.ingest.OwnerQuota;
import io.vodpack.upload.ingest.UploadSlots;

/**
 * Resumable uploads: creation, and PATCH at the server's offset (lock, write the chunk, record the offset, and
 * after the last byte the completion). PATCH bodies stream through the same code as single-request uploads,
 * and the finished file goes through the same store step, so it becomes an input exactly as they do.
 */
@ApplicationScoped
public class ResumableUploadService {

    private final ResumableUploadRepository uploads;
    private final UploadLimits limits;
    private final UploadLock lock;
    private final ChunkWriter chunks;
    private final BucketChunks bucket;
    private final ResumableUploadCompletion completion;
    private final VodpackConfig config;
    private final UploadSlots slots;
    private final Caller caller;
    private final OwnerQuota quota;

    public ResumableUploadService(ResumableUploadRepository uploads, UploadLimits limits, UploadLock lock, ChunkWriter chunks,
            ResumableUploadCompletion completion, VodpackConfig config, UploadSlots slots, Caller caller, OwnerQuota quota,
            BucketChunks bucket) {
        this.bucket = bucket;
        this.caller = caller;
        this.quota = quota;
        this.uploads = uploads;
        this.limits = limits;
        this.lock = lock;
        this.chunks = chunks;
        this.completion = completion;
        this.config = config;
        this.slots = slots;
    }

    /**
     * A new upload of {@code length} bytes with an empty partial file; 400 for bad metadata (checked before anything
     * is created), 413 over the limit, 507 without room.
     */
    public Uni<ResumableUpload> create(long length, String metadataHeader) {
        Map<String, String> metadata = TusMetadata.parse(metadataHeader);
        if (length <= 0) {
            throw ProblemException.badRequest("empty-body", "Upload-Length must be at least 1: send an MP4 file.");
        }
        if (length > limits.maxSize()) {
            throw limits.tooLarge("Upload-Length " + length + " exceeds the limit of " + limits.maxSize() + " bytes.");
        }
        String owner = caller.owner();
        if (bucket.active()) {
            // the bytes go to the bucket: no partial file, no local disk; the parts' object is named now
            return quota.requireRoom(owner, length)
                    .map(room -> newUpload(length, metadataHeader, metadata, owner))
                    .invoke(upload -> {
                        upload.objectName = UUID.randomUUID() + ".mp4";
                        upload.partSize = bucket.parts().partSize();
                    })
                    .call(upload -> Panache.withTransaction(() -> uploads.persist(upload)));
        }
        return quota.requireRoom(owner, length).chain(() -> limits.requireFreeSpace(length))
                .map(free -> newUpload(length, metadataHeader, metadata, owner))
                .call(upload -> chunks.createFile(upload.id))
                .call(upload -> Panache.withTransaction(() -> uploads.persist(upload))
                        .onFailure().call(() -> chunks.deleteFile(upload.id)));
    }

    private ResumableUpload newUpload(long length, String metadataHeader, Map<String, String> metadata, String owner) {
        ResumableUpload upload = new ResumableUpload();
        upload.id = UUID.randomUUID().toString();
        upload.status = ResumableUpload.Status.UPLOADING;
        upload.length = length;
        upload.offset = 0;
        upload.metadata = metadataHeader;
        upload.filename = metadata.get("filename");
        upload.filetype = metadata.get("filetype");
        upload.owner = owner;
        upload.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        upload.expiresAt = upload.createdAt.plus(config.upload().resumableExpireAfter());
        return upload;
    }

    /** The caller's upload; 404 when unknown, terminated, expired or another owner's. */
    public Uni<ResumableUpload> get(String id) {
        String owner = caller.ownerFilter();
        return Panache.withSession(() -> uploads.findLive(id, OffsetDateTime.now(ZoneOffset.UTC))).invoke(upload -> {
            if (owner != null && !owner.equals(upload.owner)) {
                throw ProblemException.notFound("No resumable upload " + id + " (unknown, terminated or expired).");
            }
        });
    }

    /**
     * Appends the (paused) request body at {@code offset}. The work is detached: it runs to its end even when
     * the client goes away, so that the bytes that arrived are kept and the write lock is released. It holds one
     * of the instance's upload slots (503 when none is free).
     */
    public Uni<PatchResult> patch(HttpServerRequest request, String id, long offset, ChunkChecksum checksum) {
        String keyHolder = caller.keyHolder();
        return get(id).flatMap(owned -> Async.detached(
                slots.within(keyHolder, () -> lock.acquire(id, offset).flatMap(held -> write(request, held, checksum)))));
    }

    private Uni<PatchResult> write(HttpServerRequest request, UploadLock.Held held, ChunkChecksum checksum) {
        long start = held.upload().offset;
        Uni<PatchChunk> opened = bucket.active() ? bucket.open(held, checksum)
                : chunks.open(held.upload(), checksum).map(chunk -> (PatchChunk) chunk);
        return opened
                .onFailure().call(failure -> lock.releaseAt(held, start).onFailure().recoverWithNull())
                .flatMap(chunk -> lock.renewedWhile(held, chunk::checkpoint, () -> request.connection().close(),
                        () -> chunk.write(request))
                        .onFailure().call(failure -> lock.releaseAt(held, chunk.kept()).onFailure().recoverWithNull()))
                .flatMap(newOffset -> record(held, newOffset));
    }

    /**
     * Records the new offset, releasing the lock. After the last byte the upload is completed while the lock is
     * still held (so two retries cannot both complete it); if completing fails for a reason other than validation,
     * the file stays and the offset stays at the length: the next PATCH at that offset, with an empty body, tries
     * again.
     */
    private Uni<PatchResult> record(UploadLock.Held held, long newOffset) {
        ResumableUpload upload = held.upload();
        if (newOffset < upload.length) {
            return lock.releaseAt(held, newOffset).map(v -> new PatchResult(upload, null));
        }
        upload.offset = newOffset;
        Uni<Long> atEnd = Uni.createFrom().item(newOffset);
        return lock.renew(held, newOffset)
                .invoke(stillHeld -> {
                    if (!stillHeld) {
                        throw ProblemException.locked("upload-locked", "Upload " + upload.id
                                + " was taken over by another request while this one wrote its last bytes.");
                    }
                })
                .flatMap(v -> lock.renewedWhile(held, () -> atEnd, () -> {
                }, () -> completion.complete(upload)))
                .call(result -> lock.releaseAt(held, newOffset))
                .onFailure().call(failure -> lock.releaseAt(held, newOffset).onFailure().recoverWithNull());
    }
}
