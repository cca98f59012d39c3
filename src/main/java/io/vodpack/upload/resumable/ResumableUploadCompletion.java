package io.vodpack.upload.resumable;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vodpack.core.async.Async;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.storage.ObjectParts;
import io.vodpack.upload.InputContent;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.upload.ingest.InputStore;
import io.vodpack.upload.ingest.ReceivedFile;
import io.vodpack.upload.ingest.ReceivedObject;

/**
 * The last byte of a resumable upload arrived: the file goes through the same store step as a single-request
 * upload, and the upload records what it became (COMPLETE with the input, or FAILED with the validation problem).
 * When the store step fails for another reason (the database), the file stays and the upload stays UPLOADING at
 * offset = length: 503, and the next PATCH at that offset with an empty body completes it.
 */
@ApplicationScoped
public class ResumableUploadCompletion {

    private static final Logger LOG = Logger.getLogger(ResumableUploadCompletion.class);

    /** When a client should retry the last step after a failure of the database or the storage. */
    private static final Duration RETRY_AFTER = Duration.ofSeconds(2);

    private final ResumableUploadRepository uploads;
    private final RunningDigests digests;
    private final InputStore store;
    private final ContentStorage storage;
    private final BucketChunks bucket;
    private final Async async;

    public ResumableUploadCompletion(ResumableUploadRepository uploads, RunningDigests digests, InputStore store,
            ContentStorage storage, BucketChunks bucket, Async async) {
        this.bucket = bucket;
        this.async = async;
        this.uploads = uploads;
        this.digests = digests;
        this.store = store;
        this.storage = storage;
    }

    Uni<PatchResult> complete(ResumableUpload upload) {
        Uni<InputContent> stored;
        if (bucket.active()) {
            stored = storeFromBucket(upload);
        } else {
            stored = store.store(new ReceivedFile(storage.resumableFile(upload.id), upload.length, digests.finish(upload.id),
                    upload.filename, upload.filetype != null ? upload.filetype : "video/mp4", upload.owner));
        }
        return stored
                .flatMap(input -> Panache.withTransaction(() -> uploads.markComplete(upload.id, input.id)).map(n -> {
                    upload.status = ResumableUpload.Status.COMPLETE;
                    upload.inputContentId = input.id;
                    LOG.infof("Resumable upload %s became input %d", upload.id, input.id);
                    return new PatchResult(upload, null);
                }))
                .onFailure().recoverWithUni(failure -> {
                    if (!(failure instanceof ProblemException problem)) {
                        LOG.warnf("Resumable upload %s: storing the complete file failed (%s); it is kept for a retry",
                                upload.id, failure.getMessage());
                        return Uni.createFrom().failure(ProblemException.serviceUnavailable("store-failed", "All "
                                + upload.length + " bytes arrived and are kept, but recording the input failed. Send PATCH"
                                + " with Upload-Offset: " + upload.length + " and an empty body to finish the upload.",
                                RETRY_AFTER));
                    }
                    return Panache.withTransaction(() -> uploads.markFailed(upload.id, problem)).map(n -> {
                        upload.status = ResumableUpload.Status.FAILED;
                        upload.errorStatus = problem.status();
                        upload.errorDetail = problem.getMessage();
                        return new PatchResult(upload, problem);
                    });
                })
                .call(result -> bucket.active() ? removeTails(upload) : Uni.createFrom().voidItem());
    }

    /**
     * Storage kind s3: the object is assembled from the recorded parts and the tail (the last part, or one PUT when
     * the file is smaller than a part), unless a try before already did, then checked by ranged reads and recorded.
     * The SHA-256 is the recorded state's, finished. Worker thread for the bucket calls.
     */
    private Uni<InputContent> storeFromBucket(ResumableUpload upload) {
        ObjectParts parts = bucket.parts();
        String key = ObjectParts.inputKey(upload.objectName);
        byte[] sha256 = BucketChunks.digest(upload).digest();
        return async.blocking(() -> {
            if (BucketChunks.join(parts.size(key)).orElse(-1L) == upload.length) {
                return;
            }
            ByteBuffer tail = upload.tailKey == null ? ByteBuffer.allocate(0) : BucketChunks.join(parts.readAll(upload.tailKey));
            if (upload.multipartId == null) {
                BucketChunks.join(parts.put(key, tail));
                return;
            }
            List<String> etags = new ArrayList<>(upload.etags());
            if (tail.hasRemaining() || etags.isEmpty()) {
                etags.add(BucketChunks.join(parts.putPart(key, upload.multipartId, etags.size() + 1, tail)));
            }
            BucketChunks.join(parts.complete(key, upload.multipartId, etags));
        }).flatMap(v -> store.store(new ReceivedObject(upload.objectName, upload.length, sha256, upload.filename,
                upload.filetype != null ? upload.filetype : "video/mp4", upload.owner)));
    }

    /** The tail objects of a finished upload; any left over are the sweeper's. */
    private Uni<Void> removeTails(ResumableUpload upload) {
        return Async.stage(() -> bucket.parts().deleteUnder(BucketChunks.tails(upload.id)))
                .replaceWithVoid().onFailure().recoverWithNull();
    }
}
