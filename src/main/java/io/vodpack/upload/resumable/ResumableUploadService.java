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
    private final ResumableUploadCompletion completion;
    private final VodpackConfig config;
    private final Caller caller;

    public ResumableUploadService(ResumableUploadRepository uploads, UploadLimits limits, UploadLock lock, ChunkWriter chunks,
            ResumableUploadCompletion completion, VodpackConfig config, Caller caller) {
        this.caller = caller;
        this.uploads = uploads;
        this.limits = limits;
        this.lock = lock;
        this.chunks = chunks;
        this.completion = completion;
        this.config = config;
    }

    /** A new upload of {@code length} bytes with an empty partial file; 413 over the limit, 507 without room. */
    public Uni<ResumableUpload> create(long length, String metadataHeader) {
        if (length <= 0) {
            throw ProblemException.badRequest("empty-body", "Upload-Length must be at least 1: send an MP4 file.");
        }
        if (length > limits.maxSize()) {
            throw limits.tooLarge("Upload-Length " + length + " exceeds the limit of " + limits.maxSize() + " bytes.");
        }
        String owner = caller.owner();
        return limits.requireFreeSpace(length)
                .map(free -> newUpload(length, metadataHeader, owner))
                .call(upload -> chunks.createFile(upload.id))
                .call(upload -> Panache.withTransaction(() -> uploads.persist(upload)));
    }

    private ResumableUpload newUpload(long length, String metadataHeader, String owner) {
        Map<String, String> metadata = TusMetadata.parse(metadataHeader);
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
     * the client goes away, so that the bytes that arrived are kept and the write lock is released.
     */
    public Uni<PatchResult> patch(HttpServerRequest request, String id, long offset, ChunkChecksum checksum) {
        return get(id).flatMap(owned -> Async.detached(lock.acquire(id, offset).flatMap(held -> write(request, held, checksum))));
    }

    private Uni<PatchResult> write(HttpServerRequest request, UploadLock.Held held, ChunkChecksum checksum) {
        ResumableUpload upload = held.upload();
        long start = upload.offset;
        return lock.renewedWhile(held, () -> chunks.append(request, upload, checksum))
                .onFailure().call(failure -> lock.releaseAt(held, start).onFailure().recoverWithNull())
                .flatMap(newOffset -> record(held, newOffset));
    }

    /** Records the new offset, releasing the lock; after the last byte, completes the upload. */
    private Uni<PatchResult> record(UploadLock.Held held, long newOffset) {
        ResumableUpload upload = held.upload();
        Uni<Void> saved = lock.releaseAt(held, newOffset);
        if (newOffset < upload.length) {
            return saved.map(v -> new PatchResult(upload, null));
        }
        return saved.flatMap(v -> completion.complete(upload));
    }
}
