package io.vodpack.upload.ingest;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.vodpack.core.storage.ObjectParts;
import io.vodpack.core.storage.StorageUnavailableException;

/**
 * A body of known length written to the bucket as one PUT ({@link ObjectParts#stream}) while it arrives: the chunks
 * go from the body's buffers to the bucket's connection without a copy, and {@link #append} returns once they are on
 * the wire, which holds back the {@link DigestingSink} and so the request when the bucket is slower than the client.
 * The PUT starts with the first bytes. The bucket keeps the object once the last byte arrived; {@link #finish} waits
 * for its answer, and {@link #abort} resets a PUT still under way (the bucket keeps nothing) or deletes the object a
 * finished one left (a body whose digest did not match). {@link #append} runs on the sink's worker thread, one call at a
 * time; the rest on a worker thread after the body ended. Blocking.
 */
public final class PutTarget implements BucketTarget {

    private final ObjectParts bucket;
    private final String key;
    private final long length;
    private ObjectParts.ObjectStream stream;
    private boolean ended;
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
        CompletableFuture<?>[] writes = new CompletableFuture<?>[chunks.length];
        for (int i = 0; i < chunks.length; i++) {
            writes[i] = stream.write(chunks[i].duplicate());
        }
        // the chunks are the sink's buffers, released when this returns: wait until the socket has taken them
        await(CompletableFuture.allOf(writes));
    }

    @Override
    public void close() {
        // the PUT stays open until finish or abort
    }

    @Override
    public void finish() {
        failIfFailed();
        if (stream == null) {
            throw new IllegalStateException("finish before any byte of " + key);
        }
        await(stream.end());
        ended = true;
    }

    @Override
    public void abort() {
        if (stream == null) {
            return;
        }
        if (!ended) {
            stream.reset();
        }
        // a body that failed its checks after its last byte reached the bucket left a whole object
        bucket.delete(key).exceptionally(x -> null).join();
    }

    private void failIfFailed() {
        if (failure != null) {
            throw failure;
        }
    }

    private <T> T await(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            failure = e.getCause() instanceof StorageUnavailableException s ? s
                    : new StorageUnavailableException("the storage failed: " + e.getCause(), e.getCause());
            throw failure;
        }
    }
}
