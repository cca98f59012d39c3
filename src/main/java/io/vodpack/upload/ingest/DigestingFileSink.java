package io.vodpack.upload.ingest;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.List;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.streams.WriteStream;

/**
 * Write side of an upload: passes each chunk to an {@link AsyncFile} (which provides the
 * back-pressure), feeds the same chunk to the digests (the file's SHA-256, and for a resumable
 * upload the chunk's own checksum) and counts bytes, refusing the chunk that would cross the limit.
 * Runs on the connection's event loop; no chunk is copied.
 */
public final class DigestingFileSink implements WriteStream<Buffer> {

    private final AsyncFile file;
    private final List<MessageDigest> digests;
    private final long limit;
    private long written;
    private long landed;
    private boolean limitExceeded;
    private boolean ended;

    public DigestingFileSink(AsyncFile file, long limit, List<MessageDigest> digests) {
        this.file = file;
        this.limit = limit;
        this.digests = digests;
    }

    public long written() {
        return written;
    }

    /** Bytes the file has taken (its writes completed), a prefix of {@link #written()}: what an fsync now makes durable. */
    public long landed() {
        return landed;
    }

    public boolean limitExceeded() {
        return limitExceeded;
    }

    @Override
    public Future<Void> write(Buffer data) {
        if (ended) {
            // A pipe can still deliver a chunk that was in flight when it failed.
            return Future.failedFuture(new IllegalStateException("upload already ended"));
        }
        if (written + data.length() > limit) {
            limitExceeded = true;
            return Future.failedFuture(new IllegalStateException("upload exceeds " + limit + " bytes"));
        }
        written += data.length();
        for (ByteBuffer nio : data.getByteBuf().nioBuffers()) {
            for (MessageDigest digest : digests) {
                digest.update(nio.duplicate());
            }
        }
        int length = data.length();
        Future<Void> write = file.write(data);
        // writes complete in order, so landed is always a prefix of the body
        write.onSuccess(v -> landed += length);
        return write;
    }

    @Override
    public void write(Buffer data, Handler<AsyncResult<Void>> handler) {
        write(data).onComplete(handler);
    }

    @Override
    public void end(Handler<AsyncResult<Void>> handler) {
        ended = true;
        file.end(handler);
    }

    @Override
    public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
        file.exceptionHandler(handler);
        return this;
    }

    @Override
    public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
        file.setWriteQueueMaxSize(maxSize);
        return this;
    }

    @Override
    public boolean writeQueueFull() {
        return !ended && file.writeQueueFull();
    }

    @Override
    public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
        file.drainHandler(handler);
        return this;
    }
}
