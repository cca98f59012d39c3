package io.vodpack.upload.ingest;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Part-sized buffers shared by the uploads of this instance ({@link PartTarget}): a part's buffer goes back here once
 * the bucket has it, so uploads one after another reuse the same few buffers instead of leaving large garbage behind
 * each part (which grows the heap, and the process's memory, with every upload).
 */
final class PartBuffers {

    /** Buffers kept for reuse: what one upload holds at once, twice over. */
    private static final int KEPT = 2 * (PartTarget.IN_FLIGHT + 1);

    private static final ConcurrentLinkedDeque<ByteBuffer> FREE = new ConcurrentLinkedDeque<>();
    private static final AtomicInteger COUNT = new AtomicInteger();

    private PartBuffers() {
    }

    /** An empty buffer of {@code size} bytes: a kept one when there is one of that size. */
    static ByteBuffer take(int size) {
        for (ByteBuffer buffer; (buffer = FREE.poll()) != null;) {
            COUNT.decrementAndGet();
            if (buffer.capacity() == size) {
                return buffer.clear();
            }
        }
        return ByteBuffer.allocate(size);
    }

    /** Gives back a buffer nobody reads any more; kept while fewer than {@link #KEPT} are. */
    static void give(ByteBuffer buffer) {
        if (buffer != null && COUNT.incrementAndGet() <= KEPT) {
            FREE.push(buffer);
        } else {
            COUNT.decrementAndGet();
        }
    }
}
