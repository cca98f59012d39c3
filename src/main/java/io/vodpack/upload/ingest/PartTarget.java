package io.vodpack.upload.ingest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.vodpack.core.storage.ObjectParts;
import io.vodpack.core.storage.StorageUnavailableException;

/**
 * An upload body written to the bucket as it arrives, as the parts of a multipart upload ({@link ObjectParts}):
 * full parts go out while the next one fills, at most {@link #IN_FLIGHT} at once; past that {@link #append} waits,
 * which holds back the {@link DigestingSink} and so pauses the request. Memory stays at a few parts per upload
 * whatever the file's size. The bytes after the last full part stay in memory ({@link #remainder()}) until
 * {@link #finish} sends them as the last part (or the whole object, for a body smaller than a part), or a resumable
 * upload keeps them as a small tail object. The multipart upload is started with the first full part, so a small
 * body costs one PUT. {@link #append} and {@link #close} run on the sink's worker thread, one at a time; the rest on
 * a worker thread after the body ended. Blocking.
 */
public final class PartTarget implements BucketTarget {

    /** Parts being uploaded at once; the body waits past it. */
    static final int IN_FLIGHT = 2;
    /** Size of the first buffer; past it the body goes on in part-sized buffers, so small bodies stay small. */
    private static final int FIRST_BUFFER = 1 << 20;

    private record Sending(CompletableFuture<String> etag, ByteBuffer buffer) {
    }

    private final ObjectParts parts;
    private final String key;
    private final int partSize;
    private final List<String> etags;
    private final ArrayDeque<Sending> sending = new ArrayDeque<>();
    private final ArrayDeque<ByteBuffer> spare = new ArrayDeque<>();
    private String uploadId;
    private boolean started;
    private ByteBuffer current;
    private RuntimeException failure;

    /**
     * A target for {@code key}: a new upload ({@code uploadId} null, no parts), or one that goes on after the parts
     * {@code etags} of multipart upload {@code uploadId}, with {@code tail} (less than a part) before the new bytes.
     */
    public PartTarget(ObjectParts parts, String key, int partSize, String uploadId, List<String> etags, ByteBuffer tail) {
        this.parts = parts;
        this.key = key;
        this.partSize = partSize;
        this.uploadId = uploadId;
        this.etags = new ArrayList<>(etags);
        int size = Math.min(partSize, Math.max(FIRST_BUFFER, tail == null ? 0 : tail.remaining()));
        this.current = ByteBuffer.allocate(size);
        if (tail != null) {
            current.put(tail.duplicate());
        }
    }

    /** A new upload to {@code key}. */
    public static PartTarget of(ObjectParts parts, String key) {
        return new PartTarget(parts, key, parts.partSize(), null, List.of(), null);
    }

    @Override
    public void append(ByteBuffer[] chunks) throws IOException {
        failIfFailed();
        for (ByteBuffer chunk : chunks) {
            ByteBuffer bytes = chunk.duplicate();
            while (bytes.hasRemaining()) {
                if (!current.hasRemaining()) {
                    if (current.capacity() < partSize) {
                        grow();
                    } else {
                        send();
                    }
                }
                int n = Math.min(bytes.remaining(), current.remaining());
                current.put(bytes.duplicate().limit(bytes.position() + n));
                bytes.position(bytes.position() + n);
            }
        }
        // a full part goes out at once: the next body bytes start a new one
        if (!current.hasRemaining() && current.capacity() == partSize) {
            send();
        }
    }

    /** A body larger than the first buffer goes on in a part-sized one (shared, see {@link PartBuffers}). */
    private void grow() {
        ByteBuffer bigger = PartBuffers.take(partSize);
        bigger.put(current.flip());
        current = bigger;
    }

    /** Sends the full buffer as the next part, then waits while more than {@link #IN_FLIGHT} are out. */
    private void send() {
        if (uploadId == null) {
            uploadId = await(parts.begin(key));
            started = true;
        }
        int number = etags.size() + sending.size() + 1;
        ByteBuffer part = current.flip();
        sending.add(new Sending(parts.putPart(key, uploadId, number, part.duplicate()), part));
        while (sending.size() > IN_FLIGHT || (!sending.isEmpty() && sending.peek().etag().isDone())) {
            settleOldest();
        }
        // a settled part's buffer fills next: at most IN_FLIGHT parts out and one filling
        current = spare.isEmpty() ? PartBuffers.take(partSize) : spare.poll().clear();
    }

    private void settleOldest() {
        Sending oldest = sending.poll();
        etags.add(await(oldest.etag()));
        if (spare.isEmpty()) {
            spare.add(oldest.buffer());
        } else {
            PartBuffers.give(oldest.buffer());
        }
    }

    /** Waits for the parts still being uploaded; the remainder stays. */
    @Override
    public void close() throws IOException {
        try {
            while (!sending.isEmpty()) {
                settleOldest();
            }
        } catch (RuntimeException e) {
            // the first failure is reported; the others wait until every part is settled
            while (!sending.isEmpty()) {
                sending.poll().etag().exceptionally(x -> null).join();
            }
            throw e;
        }
        while (!spare.isEmpty()) {
            PartBuffers.give(spare.poll());
        }
        failIfFailed();
    }

    /** Bytes after the last full part: what {@link #finish} sends last, or a resumable upload's tail. */
    public ByteBuffer remainder() {
        return current.duplicate().flip();
    }

    /** The multipart upload, null when no part went out yet. */
    public String uploadId() {
        return uploadId;
    }

    /** Whether this target started the multipart upload (rather than going on with one). */
    public boolean started() {
        return started;
    }

    /** Entity tags of the full parts uploaded, in order. */
    public List<String> etags() {
        return List.copyOf(etags);
    }

    /** Bytes in full parts. */
    public long partBytes() {
        return (long) etags.size() * partSize;
    }

    /** After {@link #close}: the object is written whole (last part and completion, or one PUT). */
    @Override
    public void finish() {
        failIfFailed();
        ByteBuffer last = remainder();
        if (uploadId == null) {
            await(parts.put(key, last));
            release();
            return;
        }
        List<String> all = new ArrayList<>(etags);
        if (last.hasRemaining() || all.isEmpty()) {
            all.add(await(parts.putPart(key, uploadId, all.size() + 1, last)));
        }
        await(parts.complete(key, uploadId, all));
        release();
    }

    /** After {@link #close} (or a failure): the multipart upload this target started is aborted; its parts go. */
    @Override
    public void abort() {
        while (!sending.isEmpty()) {
            sending.poll().etag().exceptionally(x -> null).join();
        }
        if (started) {
            parts.abort(key, uploadId).exceptionally(x -> null).join();
        }
        release();
    }

    /**
     * The buffer of the bytes after the last full part goes back for other uploads: call once nothing reads
     * {@link #remainder()} any more (a body that ends before it fills one part keeps a small buffer of its own).
     */
    public void release() {
        if (current != null && current.capacity() == partSize) {
            PartBuffers.give(current);
        }
        current = null;
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
