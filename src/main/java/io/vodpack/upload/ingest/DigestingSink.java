package io.vodpack.upload.ingest;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;

/**
 * Write side of an upload: counts the body's bytes (refusing the chunk that would cross the limit), and hands the
 * chunks in batches to a worker pool, where one task feeds them to the digests (the file's SHA-256, and for a
 * resumable upload the chunk's own checksum) while another appends them to the {@link BodyTarget} in one gathered
 * write. So hashing and writing run beside each other and beside the event loop's socket reads, and a batch of many
 * chunks (what one read burst of the socket brought, up to {@link #MIN_BATCH_BYTES}) costs two thread hand-offs. At most one batch is in
 * flight; what waits behind it is bounded by
 * {@link #HIGH_WATER} (back-pressure pauses the body), so memory does not grow with a slow disk. Chunks read into
 * {@link DirectBodyReads} buffers go from the socket to the file without a copy in the JVM and are released as soon
 * as they are written. The {@code WriteStream} methods run on the connection's event loop.
 */
public final class DigestingSink implements WriteStream<Buffer> {

    /** Bytes accepted but not yet written past which the body is paused; it resumes below half of it. */
    static final long HIGH_WATER = 8L << 20;
    /** Most chunks in one gathered write (the kernel takes up to 1024). */
    private static final int MAX_BATCH = 256;
    /**
     * Bytes past which a batch goes at once; below it, what arrived waits until the event loop has handed on the
     * rest of the current read burst (or the batch in flight is done): fewer, larger writes and fewer thread
     * hand-offs, and nothing held back when the socket stalls.
     */
    static final long MIN_BATCH_BYTES = 1L << 20;

    private record Chunk(ByteBuffer bytes, ByteBuf owned, Handler<AsyncResult<Void>> ack) {
    }

    /** Someone waiting for every byte accepted before {@code upTo} to land. */
    private record Landing(long upTo, Promise<Long> promise) {
    }

    private final WorkerExecutor io;
    private final BodyTarget target;
    private final List<MessageDigest> digests;
    private final long limit;
    private final ArrayDeque<Chunk> queued = new ArrayDeque<>();
    private final ArrayDeque<Landing> landings = new ArrayDeque<>();
    private long written;
    private long landed;
    private long pending;
    private long queuedBytes;
    private boolean inFlight;
    private boolean flushScheduled;
    private boolean closing;
    private boolean limitExceeded;
    private boolean ended;
    private Throwable failure;
    private Handler<Void> drainHandler;
    private Handler<AsyncResult<Void>> endHandler;

    DigestingSink(WorkerExecutor io, BodyTarget target, long limit, List<MessageDigest> digests) {
        this.io = io;
        this.target = target;
        this.limit = limit;
        this.digests = digests;
    }

    /** Bytes accepted so far (hashed or about to be). */
    public long written() {
        return written;
    }

    /** Bytes the target has taken (their writes completed), a prefix of {@link #written()}: what an fsync now makes durable. */
    public long landed() {
        return landed;
    }

    public boolean limitExceeded() {
        return limitExceeded;
    }

    /**
     * Hands over what waits for a full batch too, and completes with {@link #landed()} once every byte accepted so far
     * has reached the target (or with what landed before a write failed or the body ended): for a checkpoint of a
     * body that stalls.
     */
    public Future<Long> land() {
        if (landed == written || failure != null || ended) {
            return Future.succeededFuture(landed);
        }
        Promise<Long> promise = Promise.promise();
        landings.add(new Landing(written, promise));
        if (!inFlight) {
            flush();
        }
        return promise.future();
    }

    @Override
    public Future<Void> write(Buffer data) {
        Promise<Void> promise = Promise.promise();
        write(data, promise);
        return promise.future();
    }

    @Override
    public void write(Buffer data, Handler<AsyncResult<Void>> handler) {
        ByteBuf buf = data.getByteBuf();
        ByteBuf owned = DirectBodyReads.owned(buf);
        if (ended || failure != null || written + data.length() > limit) {
            if (owned != null) {
                owned.release();
            }
            if (ended) {
                // a pipe can still deliver a chunk that was in flight when it failed
                handler.handle(Future.failedFuture(new IllegalStateException("upload already ended")));
            } else if (failure != null) {
                handler.handle(Future.failedFuture(failure));
            } else {
                limitExceeded = true;
                handler.handle(Future.failedFuture(new IllegalStateException("upload exceeds " + limit + " bytes")));
            }
            return;
        }
        written += data.length();
        pending += data.length();
        queuedBytes += data.length();
        if (buf.nioBufferCount() == 1) {
            queued.add(new Chunk(buf.nioBuffer(), owned, handler));
        } else {
            ByteBuffer[] parts = buf.nioBuffers();
            for (int i = 0; i < parts.length; i++) {
                boolean last = i == parts.length - 1;
                queued.add(new Chunk(parts[i], last ? owned : null, last ? handler : null));
            }
        }
        if (inFlight) {
            return;
        }
        if (queuedBytes >= MIN_BATCH_BYTES) {
            flush();
        } else if (!flushScheduled) {
            // after the chunks of this read burst: a batch of what the socket had, and nothing held back when it stalls
            flushScheduled = true;
            Vertx.currentContext().runOnContext(v -> {
                flushScheduled = false;
                if (!inFlight && !closing && failure == null && !queued.isEmpty()) {
                    flush();
                }
            });
        }
    }

    /** Event loop: hands the queued chunks (up to {@link #MAX_BATCH}) to the worker pool as one batch. */
    private void flush() {
        int n = Math.min(queued.size(), MAX_BATCH);
        Chunk[] batch = new Chunk[n];
        ByteBuffer[] toHash = new ByteBuffer[n];
        ByteBuffer[] toWrite = new ByteBuffer[n];
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            Chunk chunk = queued.poll();
            batch[i] = chunk;
            toHash[i] = chunk.bytes();
            toWrite[i] = chunk.bytes().duplicate();
            bytes += chunk.bytes().remaining();
        }
        inFlight = true;
        queuedBytes -= bytes;
        long batchBytes = bytes;
        // worker threads: the digests and the target are each touched by one task at a time
        Future<Void> hashed = io.executeBlocking(() -> {
            for (ByteBuffer chunk : toHash) {
                for (MessageDigest digest : digests) {
                    digest.update(chunk.duplicate());
                }
            }
            return null;
        }, false);
        Future<Void> appended = io.executeBlocking(() -> {
            target.append(toWrite);
            return null;
        }, false);
        Future.join(hashed, appended).onComplete(result -> settle(batch, batchBytes, result.failed() ? result.cause() : null));
    }

    /** Event loop: one batch is hashed and written (or failed); releases its chunks and sends the next batch. */
    private void settle(Chunk[] batch, long bytes, Throwable error) {
        inFlight = false;
        pending -= bytes;
        if (error == null) {
            landed += bytes;
        } else if (failure == null) {
            failure = error;
        }
        // nothing after a failed write reaches the target; taken out before any result is handed out, because a
        // result can end the sink at once (the pipe ends it when a write fails)
        ArrayDeque<Chunk> dropped = new ArrayDeque<>();
        if (failure != null) {
            for (Chunk chunk; (chunk = queued.poll()) != null;) {
                pending -= chunk.bytes().remaining();
                queuedBytes -= chunk.bytes().remaining();
                dropped.add(chunk);
            }
        }
        for (Chunk chunk : batch) {
            complete(chunk, error);
        }
        for (Chunk chunk : dropped) {
            complete(chunk, failure);
        }
        while (!landings.isEmpty() && (landings.peek().upTo() <= landed || failure != null)) {
            landings.poll().promise().complete(landed);
        }
        next();
        Handler<Void> drain = drainHandler;
        if (drain != null && pending < HIGH_WATER / 2) {
            drainHandler = null;
            drain.handle(null);
        }
    }

    /** Event loop, with no batch in flight: sends what waits, or closes the target once the body has ended. */
    private void next() {
        if (inFlight || closing) {
            return;
        }
        if (!queued.isEmpty() && failure == null) {
            flush();
        } else if (ended) {
            close();
        }
    }

    private static void complete(Chunk chunk, Throwable error) {
        if (chunk.owned() != null) {
            chunk.owned().release();
        }
        if (chunk.ack() != null) {
            chunk.ack().handle(error == null ? Future.succeededFuture() : Future.failedFuture(error));
        }
    }

    @Override
    public Future<Void> end() {
        Promise<Void> promise = Promise.promise();
        end(promise);
        return promise.future();
    }

    /** Completes once every accepted chunk is written (or one failed) and the target is closed. */
    @Override
    public void end(Handler<AsyncResult<Void>> handler) {
        if (ended) {
            handler.handle(Future.failedFuture(new IllegalStateException("upload already ended")));
            return;
        }
        ended = true;
        endHandler = handler;
        next();
    }

    private void close() {
        closing = true;
        for (Landing landing; (landing = landings.poll()) != null;) {
            landing.promise().complete(landed);
        }
        // worker thread: closing a file handle
        io.executeBlocking(() -> {
            target.close();
            return null;
        }, false).onComplete(closed -> endHandler.handle(failure != null ? Future.failedFuture(failure)
                : closed.failed() ? Future.failedFuture(closed.cause()) : Future.succeededFuture()));
    }

    @Override
    public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
        // failures reach the writer through each chunk's result
        return this;
    }

    @Override
    public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
        return this;
    }

    @Override
    public boolean writeQueueFull() {
        return !ended && failure == null && pending >= HIGH_WATER;
    }

    @Override
    public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
        drainHandler = handler;
        return this;
    }
}
