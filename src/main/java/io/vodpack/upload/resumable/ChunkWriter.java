package io.vodpack.upload.resumable;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vodpack.core.async.Async;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.upload.ingest.BodyPipe;
import io.vodpack.upload.ingest.DigestingFileSink;
import io.vodpack.upload.ingest.Digests;
import io.vodpack.upload.ingest.UploadLimits;

/**
 * Writes the bytes of a PATCH into the partial file of a resumable upload, at the server's offset, through the
 * shared {@link BodyPipe}, feeding the running SHA-256 and the chunk's checksum as they pass. A chunk whose
 * checksum cannot be confirmed, or that overruns Upload-Length, is cut back off the file.
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

    /** Creates the empty partial file of a new upload. */
    Uni<Void> createFile(String id) {
        return Async.await(vertx.fileSystem().createFile(storage.resumableFile(id).toString()));
    }

    /**
     * Appends the (paused) request body at the upload's offset. Completes with the new offset; fails with the
     * problem to report, the file then cut back to the offset the PATCH started at.
     */
    Uni<Long> append(HttpServerRequest request, ResumableUpload upload, ChunkChecksum checksum) {
        Path file = storage.resumableFile(upload.id);
        return digests.at(upload.id, file, upload.offset)
                .flatMap(base -> Async.await(vertx.fileSystem().open(file.toString(),
                        new OpenOptions().setWrite(true).setCreate(false).setTruncateExisting(false)))
                        .flatMap(handle -> new Chunk(upload, file, base, checksum).write(request, handle)));
    }

    /** One PATCH's bytes: where they start, and the digest states to keep or to go back to. */
    private final class Chunk {
        private final String id;
        private final Path file;
        private final long offset;
        private final long room;
        private final MessageDigest base;
        private final MessageDigest running;
        private final ChunkChecksum checksum;
        private final MessageDigest own;
        private DigestingFileSink sink;

        Chunk(ResumableUpload upload, Path file, MessageDigest base, ChunkChecksum checksum) {
            this.id = upload.id;
            this.file = file;
            this.offset = upload.offset;
            this.room = upload.length - upload.offset;
            this.base = base;
            this.running = Digests.copy(base);
            this.checksum = checksum;
            this.own = checksum == null ? null : checksum.newDigest();
        }

        Uni<Long> write(HttpServerRequest request, AsyncFile handle) {
            handle.setWritePos(offset);
            List<MessageDigest> fed = new ArrayList<>(List.of(running));
            if (own != null) {
                fed.add(own);
            }
            sink = new DigestingFileSink(handle, room, fed);
            return Async.await(pipe.pipe(request, sink)).onItemOrFailure().transformToUni((written, failure) -> settle(failure));
        }

        /**
         * Decides which bytes count: all that arrived, unless a chunk checksum was sent and cannot be confirmed
         * (mismatch, or the body ended early), or the body overran Upload-Length.
         */
        private Uni<Long> settle(Throwable failure) {
            boolean confirmed = checksum == null || (failure == null && checksum.matches(own));
            if (confirmed && !sink.limitExceeded()) {
                long newOffset = offset + sink.written();
                digests.put(id, newOffset, running);
                return Uni.createFrom().item(newOffset);
            }
            digests.put(id, offset, base);
            ProblemException problem = problem(failure);
            // worker thread: cut the file back to where the PATCH started
            return async.blocking(() -> {
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    channel.truncate(offset);
                }
            }).onItem().transformToUni(v -> Uni.createFrom().failure(problem));
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
