package io.vodpack.upload.resumable;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vodpack.core.async.Async;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.storage.ContentStore;
import io.vodpack.core.storage.ObjectParts;
import io.vodpack.core.storage.StorageUnavailableException;
import io.vodpack.upload.ingest.BodyPipe;
import io.vodpack.upload.ingest.DigestingSink;
import io.vodpack.upload.ingest.PartTarget;
import io.vodpack.upload.ingest.UploadLimits;

/**
 * Writes the bytes of a PATCH to the bucket (storage kind s3), so that any replica sharing the database and the
 * bucket can go on with the upload: full parts of the upload's multipart upload, and the bytes after the last full
 * part as a small tail object {@code resumable/<id>/tail-<offset>} (a new key each time, so that the row always names
 * one that matches it). The row records the offset together with the parts, the tail and the SHA-256 state at
 * exactly that offset ({@link ResumableSha256}), once they are durable in the bucket; the old tail goes after that.
 * A PATCH that does not count (checksum mismatch, overrun, the bucket failing) leaves the row as it was: parts it
 * uploaded past the recorded ones are overwritten by the next PATCH (same part numbers) or dropped at completion.
 */
@ApplicationScoped
public class BucketChunks {

    private static final Logger LOG = Logger.getLogger(BucketChunks.class);
    /** When a client may send the PATCH again after the bucket failed. */
    private static final Duration STORAGE_RETRY_AFTER = Duration.ofSeconds(10);

    private final Optional<ObjectParts> parts;
    private final BodyPipe pipe;
    private final Async async;
    private final ResumableUploadRepository uploads;
    private final UploadLimits limits;

    public BucketChunks(ContentStore store, BodyPipe pipe, Async async, ResumableUploadRepository uploads,
            UploadLimits limits) {
        this.parts = store.objectParts();
        this.pipe = pipe;
        this.async = async;
        this.uploads = uploads;
        this.limits = limits;
    }

    /** Whether uploads are kept in a bucket (else in partial files, {@link ChunkWriter}). */
    boolean active() {
        return parts.isPresent();
    }

    ObjectParts parts() {
        return parts.orElseThrow();
    }

    /** Key prefix of an upload's tail objects. */
    static String tails(String id) {
        return "resumable/" + id + "/";
    }

    /** The SHA-256 state of the bytes before the upload's offset. */
    static ResumableSha256 digest(ResumableUpload upload) {
        return upload.sha256State == null ? new ResumableSha256() : ResumableSha256.restore(upload.sha256State);
    }

    /**
     * Prepares one PATCH at the upload's offset: the tail (less than a part) is read back from the bucket to start the
     * next part, and the SHA-256 goes on from the recorded state. Worker thread for the read.
     */
    Uni<PatchChunk> open(UploadLock.Held held, ChunkChecksum checksum) {
        ResumableUpload upload = held.upload();
        ObjectParts bucket = parts();
        return async.blocking(() -> {
            ByteBuffer tail = upload.tailKey == null ? null : join(bucket.readAll(upload.tailKey));
            long partBytes = (long) upload.etags().size() * upload.partSize;
            long tailBytes = tail == null ? 0 : tail.remaining();
            if (partBytes + tailBytes != upload.offset) {
                throw new IllegalStateException("upload " + upload.id + " has " + partBytes + " bytes in parts and "
                        + tailBytes + " in its tail but its offset is " + upload.offset);
            }
            PartTarget target = new PartTarget(bucket, ObjectParts.inputKey(upload.objectName), upload.partSize,
                    upload.multipartId, upload.etags(), tail);
            return (PatchChunk) new Chunk(held, target, digest(upload), checksum);
        });
    }

    /** One PATCH's bytes into the bucket. Its methods run on the request's event loop; bucket calls on workers. */
    final class Chunk implements PatchChunk {
        private final UploadLock.Held held;
        private final ResumableUpload upload;
        private final long offset;
        private final PartTarget target;
        private final ResumableSha256 running;
        private final ChunkChecksum checksum;
        private final MessageDigest own;
        private DigestingSink sink;
        private long kept;

        Chunk(UploadLock.Held held, PartTarget target, ResumableSha256 running, ChunkChecksum checksum) {
            this.held = held;
            this.upload = held.upload();
            this.offset = upload.offset;
            this.target = target;
            this.running = running;
            this.checksum = checksum;
            this.own = checksum == null ? null : checksum.newDigest();
            this.kept = offset;
        }

        @Override
        public Uni<Long> write(HttpServerRequest request) {
            sink = pipe.sink(target, upload.length - offset, PatchChunk.digests(running, own));
            return Async.await(pipe.pipe(request, sink)).onItemOrFailure().transformToUni((written, failure) -> settle(failure));
        }

        /**
         * None: the offset moves once the PATCH has ended, recorded in one statement with its parts, tail and SHA-256
         * state; a renewal must not write an offset beside them.
         */
        @Override
        public Uni<Long> checkpoint() {
            return Uni.createFrom().nullItem();
        }

        @Override
        public long kept() {
            return kept;
        }

        /**
         * Decides which bytes count, as {@link ChunkWriter} does: all that arrived unless a chunk checksum cannot be
         * confirmed or the body overran Upload-Length; and here only when every part reached the bucket. Those that
         * count are made durable (tail object) and recorded; the others leave the recorded state as it was.
         */
        private Uni<Long> settle(Throwable failure) {
            boolean confirmed = checksum == null || (failure == null && checksum.matches(own));
            boolean stored = sink.landed() == sink.written() && StorageUnavailableException.in(failure) == null;
            if (confirmed && stored && !sink.limitExceeded()) {
                if (sink.written() == 0) {
                    return failure == null ? Uni.createFrom().item(offset) : Uni.createFrom().failure(problem(failure));
                }
                long newOffset = offset + sink.written();
                return record(newOffset).onItem().transformToUni(v -> failure == null ? Uni.createFrom().item(newOffset)
                        : Uni.createFrom().<Long>failure(problem(failure)))
                        .onFailure(f -> !(f instanceof ProblemException)).recoverWithUni(f -> discard(f));
            }
            return discard(failure);
        }

        /** Worker thread, then the event loop: the tail object, then the row, then the old tail goes. */
        private Uni<Void> record(long newOffset) {
            ObjectParts bucket = parts();
            ByteBuffer remainder = target.remainder();
            String tailKey = remainder.hasRemaining() ? tails(upload.id) + "tail-" + newOffset : null;
            String oldTail = upload.tailKey;
            String etags = String.join("\n", target.etags());
            byte[] state = running.state();
            return async.blocking(() -> {
                if (tailKey != null) {
                    join(bucket.put(tailKey, remainder));
                }
                target.release();
            }).chain(() -> Panache.withTransaction(() -> uploads.recordParts(upload.id, held.owner(), newOffset,
                    target.uploadId(), etags, tailKey, state))).invoke(recorded -> {
                        if (!recorded) {
                            throw ProblemException.locked("upload-locked", "Upload " + upload.id
                                    + " was taken over by another request while this one wrote.");
                        }
                        kept = newOffset;
                        upload.offset = newOffset;
                        upload.multipartId = target.uploadId();
                        upload.partEtags = etags;
                        upload.tailKey = tailKey;
                        upload.sha256State = state;
                    })
                    .call(() -> oldTail == null || oldTail.equals(tailKey) ? Uni.createFrom().voidItem()
                            : Async.stage(() -> bucket.delete(oldTail)).replaceWithVoid()
                                    .onFailure().invoke(e -> LOG.debugf("Old tail %s stays for the sweeper: %s", oldTail,
                                            e.getMessage()))
                                    .onFailure().recoverWithNull())
                    .replaceWithVoid();
        }

        /** The PATCH does not count: the recorded state stays; a multipart upload it started is aborted. */
        private Uni<Long> discard(Throwable failure) {
            kept = offset;
            ProblemException problem = problem(failure);
            Uni<Void> abort = target.started() && upload.multipartId == null
                    ? async.blocking(target::abort).onFailure().recoverWithNull()
                    : Uni.createFrom().voidItem();
            return abort.onItem().transformToUni(v -> Uni.createFrom().failure(problem));
        }

        private ProblemException problem(Throwable failure) {
            if (sink.limitExceeded()) {
                return limits.tooLarge("The PATCH body goes past Upload-Length; its bytes were discarded.");
            }
            if (StorageUnavailableException.in(failure) != null) {
                return ProblemException.serviceUnavailable("storage-unavailable", "The storage could not keep this PATCH's"
                        + " bytes; the upload stays at offset " + offset + ". Try again later.", STORAGE_RETRY_AFTER);
            }
            if (failure instanceof ProblemException p) {
                return p;
            }
            if (failure != null) {
                return ProblemException.badRequest("upload-aborted",
                        "The body ended early; with Upload-Checksum the chunk cannot be verified and was discarded.");
            }
            return new ProblemException(460, "checksum-mismatch", "Checksum mismatch",
                    "The chunk's " + checksum.algorithm() + " does not match Upload-Checksum; its bytes were discarded.");
        }
    }

    static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }
}
