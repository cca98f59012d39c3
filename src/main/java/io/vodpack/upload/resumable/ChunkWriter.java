package io.vodpack.upload.resumable;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vodpack.core.async.Async;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.upload.ingest.BodyPipe;
import io.vodpack.upload.ingest.BodyTarget;
import io.vodpack.upload.ingest.DigestingSink;
import io.vodpack.upload.ingest.Digests;
import io.vodpack.upload.ingest.Durable;
import io.vodpack.upload.ingest.FileTarget;
import io.vodpack.upload.ingest.UploadLimits;

/**
 * Writes the bytes of a PATCH into the partial file of a resumable upload, at the server's offset, through the
 * shared {@link BodyPipe}, feeding the running SHA-256 and the chunk's checksum as they pass. A chunk whose
 * checksum cannot be confirmed, or that overruns Upload-Length, is cut back off the file. Bytes are fsynced before
 * an offset that counts them is recorded, so a recorded offset never points past what survives a crash.
 */
@ApplicationScoped
public class ChunkWriter {

    private final Vertx vertx;
    private final Async async;
    private final ContentStorage storage;
    private final BodyPipe pipe;
    private final RunningDigests digests;
    private final UploadLimits limits;

    public ChunkWriter(Vertx vertx, Async async, ContentStorage storage, BodyPipe pipe, RunningDigests digests,
            UploadLimits limits) {
        this.vertx = vertx;
        this.async = async;
        this.storage = storage;
        this.pipe = pipe;
        this.digests = digests;
        this.limits = limits;
    }

    /** Creates the empty partial file of a new upload, durable with its folder entry before the row is written. */
    Uni<Void> createFile(String id) {
        Path file = storage.resumableFile(id);
        return async.blocking(() -> {
            Files.createFile(file);
            Durable.force(file.getParent());
        });
    }

    /** Deletes the partial file of an upload whose row could not be written. */
    Uni<Void> deleteFile(String id) {
        return Async.await(vertx.fileSystem().delete(storage.resumableFile(id).toString()).otherwiseEmpty());
    }

    /**
     * Prepares the chunk of one PATCH at the upload's offset: the SHA-256 of the bytes before it, and the file
     * opened for writing there.
     */
    Uni<Chunk> open(ResumableUpload upload, ChunkChecksum checksum) {
        Path file = storage.resumableFile(upload.id);
        return digests.at(upload.id, file, upload.offset)
                .flatMap(base -> Async.await(pipe.open(() -> FileTarget.at(file, upload.offset)))
                        .map(target -> new Chunk(upload, file, base, checksum, target)));
    }

    /**
     * One PATCH's bytes: where they start, how far they are durable, and the digest states to keep or to go back
     * to. Its methods run on the request's event loop; fsync and truncation on worker threads.
     */
    final class Chunk implements PatchChunk {
        private final String id;
        private final Path file;
        private final long offset;
        private final long room;
        private final MessageDigest base;
        private final MessageDigest running;
        private final ChunkChecksum checksum;
        private final MessageDigest own;
        private final BodyTarget target;
        private DigestingSink sink;
        private long durable;
        private long kept;
        private boolean settled;

        Chunk(ResumableUpload upload, Path file, MessageDigest base, ChunkChecksum checksum, BodyTarget target) {
            this.id = upload.id;
            this.file = file;
            this.offset = upload.offset;
            this.room = upload.length - upload.offset;
            this.base = base;
            this.running = Digests.copy(base);
            this.checksum = checksum;
            this.own = checksum == null ? null : checksum.newDigest();
            this.target = target;
            this.durable = offset;
            this.kept = offset;
        }

        /**
         * Appends the (paused) request body. Completes with the new offset; fails with the problem to report. Either
         * way {@link #kept()} is then the offset to record.
         */
        @Override
        public Uni<Long> write(HttpServerRequest request) {
            sink = pipe.sink(target, room, PatchChunk.digests(running, own));
            return Async.await(pipe.pipe(request, sink)).onItemOrFailure().transformToUni((written, failure) -> settle(failure));
        }

        /**
         * Makes the bytes that reached the file so far durable (fsync) and returns the offset they reach: what a
         * restarted instance may resume from. Bytes of a chunk with Upload-Checksum count only once verified.
         */
        @Override
        public Uni<Long> checkpoint() {
            if (own != null || sink == null || settled) {
                return Uni.createFrom().item(durable);
            }
            // the sink holds back less than a batch; a stalled body's bytes are written first
            return Async.await(sink.land()).flatMap(landedBytes -> {
                long landed = offset + landedBytes;
                if (settled || landed <= durable) {
                    return Uni.createFrom().item(durable);
                }
                // worker thread: fsync of the partial file
                return async.blocking(() -> Durable.force(file)).map(v -> {
                    if (!settled) {
                        durable = Math.max(durable, landed);
                    }
                    return durable;
                });
            });
        }

        /** The offset to record once the PATCH has ended. */
        @Override
        public long kept() {
            return kept;
        }

        /**
         * Decides which bytes count: all that arrived, unless a chunk checksum was sent and cannot be confirmed
         * (mismatch, or the body ended early), or the body overran Upload-Length: then the file is cut back to
         * where the PATCH started (or to its last durable checkpoint, which is already recorded). Bytes that count
         * are fsynced before the offset is recorded.
         */
        private Uni<Long> settle(Throwable failure) {
            settled = true;
            boolean confirmed = checksum == null || (failure == null && checksum.matches(own));
            if (confirmed && !sink.limitExceeded()) {
                // After a failed write not every byte counted as received reached the file: only those that landed
                // count, the file is cut back to them, and the running digest (it covers the failed batch) is dropped.
                boolean allLanded = sink.landed() == sink.written();
                long newOffset = offset + (allLanded ? sink.written() : sink.landed());
                if (allLanded) {
                    digests.put(id, newOffset, running);
                } else {
                    digests.forget(id);
                }
                kept = newOffset;
                // worker thread: the bytes reach the disk before their offset is recorded
                Uni<Long> flushed = async.blocking(() -> {
                    if (!allLanded) {
                        cutBack(newOffset);
                    }
                    Durable.force(file);
                }).replaceWith(newOffset);
                return failure == null ? flushed : flushed.onItem().failWith(() -> problem(failure));
            }
            kept = durable;
            if (durable == offset) {
                digests.put(id, offset, base);
            } else {
                digests.forget(id);
            }
            ProblemException problem = problem(failure);
            // worker thread: cut the file back
            return async.blocking(() -> cutBack(durable)).onItem().transformToUni(v -> Uni.createFrom().failure(problem));
        }

        /** Blocking: the file keeps only its first {@code length} bytes. */
        private void cutBack(long length) throws IOException {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(length);
            }
        }

        private ProblemException problem(Throwable failure) {
            if (sink.limitExceeded()) {
                return limits.tooLarge("The PATCH body goes past Upload-Length; its bytes were discarded.");
            }
            if (failure != null) {
                return failure instanceof ProblemException p ? p : ProblemException.badRequest("upload-aborted",
                        "The body ended early; with Upload-Checksum the chunk cannot be verified and was discarded.");
            }
            return new ProblemException(460, "checksum-mismatch", "Checksum mismatch",
                    "The chunk's " + checksum.algorithm() + " does not match Upload-Checksum; its bytes were discarded.");
        }
    }
}
