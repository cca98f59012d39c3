package io.vodpack.upload.ingest;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.vodpack.core.storage.ObjectParts;
import io.vodpack.core.storage.StorageUnavailableException;

/**
 * A body of known length written to the bucket as one PUT ({@link ObjectParts#stream}) while it arrives: the chunks
 * go from the body's buffers to the bucket's connection without a copy, and {@link #append} returns once they are on
 * the wire, which holds back the {@link DigestingSink} and so the request when the bucket is slower than the client.
 * The PUT starts with the first bytes. Its last byte is held back until {@link #finish}: the bucket keeps an object
 * only once every byte has arrived, so a body that fails its checks after its last byte (a digest mismatch) is
 * {@link #abort}ed with a reset and leaves nothing. A bucket that takes no bytes for its {@link ObjectParts#timeout},
 * or does not answer within it after the last byte, fails the upload (503). {@link #append} runs on the sink's worker thread,
 * one call at a time; the rest on a worker thread after the body ended. Blocking.
 */
public final class PutTarget implements BucketTarget {

    private final ObjectParts bucket;
    private final String key;
    private final long length;
    private ObjectParts.ObjectStream stream;
    /** Bytes taken from the body so far (sent, or the held-back last byte). */
    private long taken;
    private ByteBuffer lastByte;
    private boolean finishing;
    private RuntimeException failure;

    /** A PUT of exactly {@code length} bytes to {@code key}. */
    public PutTarget(ObjectParts bucket, String key, long length) {
        this.bucket = bucket;
        this.key = key;
        this.length = length;
    }

    @Override
    public void append(ByteBuffer[] chunks) {
        failIfFailed();
        if (stream == null) {
            stream = await(bucket.stream(key, length));
        }
        List<CompletableFuture<Void>> writes = new ArrayList<>(chunks.length);
        for (ByteBuffer chunk : chunks) {
            ByteBuffer bytes = chunk.duplicate();
            if (taken + bytes.remaining() > length) {
                fail(new StorageUnavailableException("the body is longer than its Content-Length", null));
            }
            taken += bytes.remaining();
            if (taken == length && bytes.hasRemaining()) {
                // the body's last byte: copied (the chunk goes back to the sink), sent by finish
                lastByte = ByteBuffer.allocate(1).put(0, bytes.get(bytes.limit() - 1));
                bytes.limit(bytes.limit() - 1);
            }
            if (bytes.hasRemaining()) {
                writes.add(stream.write(bytes));
            }
        }
        // the chunks are the sink's buffers, released when this returns: wait until the socket has taken them
        await(CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)));
    }

    @Override
    public void close() {
        // the PUT stays open until finish or abort
    }

    @Override
    public void finish() {
        failIfFailed();
        if (stream == null || taken != length || lastByte == null) {
            fail(new IllegalStateException("the body of " + key + " ended after " + taken + " of " + length + " bytes"));
        }
        finishing = true;
        await(stream.end(lastByte));
    }

    @Override
    public void abort() {
        if (stream == null) {
            return;
        }
        stream.reset();
        if (finishing) {
            // the last byte went out: the bucket may have kept the object before the answer failed
            // bounded: a bucket that does not answer gets the upload sweeper's delete later
            bucket.delete(key).orTimeout(bucket.timeout().toMillis(), TimeUnit.MILLISECONDS).exceptionally(x -> null).join();
        }
    }

    private void failIfFailed() {
        if (failure != null) {
            throw failure;
        }
    }

    private RuntimeException fail(RuntimeException e) {
        failure = e;
        throw e;
    }

    private <T> T await(CompletableFuture<T> future) {
        try {
            return future.orTimeout(bucket.timeout().toMillis(), TimeUnit.MILLISECONDS).join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof TimeoutException) {
                if (stream != null) {
                    stream.reset();
                }
                cause = new StorageUnavailableException("the storage took nothing for " + bucket.timeout().toSeconds() + " s", cause);
            }
            throw fail(cause instanceof StorageUnavailableException s ? s
                    : new StorageUnavailableException("the storage failed: " + cause, cause));
        }
    }
}
