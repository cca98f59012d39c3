package io.vodpack.upload.ingest;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.buffer.UnpooledUnsafeDirectByteBuf;
import io.netty.channel.ChannelConfig;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Lets the bytes of a raw upload body go from the socket to the file without a copy on the Java heap. Vert.x 4
 * copies every chunk read into its pooled direct buffers onto the heap (a copy per chunk, and a GiB of garbage per
 * GiB uploaded, which grows the heap); chunks read into buffers of another allocator are passed on as they are.
 * While a body streams, its HTTP/1.x connection reads into {@link #ALLOCATOR}'s direct buffers, which the
 * {@link DigestingSink} releases once written; released read buffers are kept for the next reads (up to
 * {@link #SPARE_BUFFERS}), so that a body does not allocate and zero a buffer per read. A buffer that escapes the
 * sink (a chunk Vert.x drops after a failed upload) is still freed: these are plain
 * {@link ByteBuffer#allocateDirect direct buffers}, which the garbage collector frees when unreachable. Multipart
 * bodies and HTTP/2 keep the default path.
 */
final class DirectBodyReads {

    /** The size Netty reads a fast socket in (the largest its adaptive guess takes): the size worth reusing. */
    private static final int READ_SIZE = 64 * 1024;
    /** Released read buffers kept for reuse: 4 MiB at most, shared by every upload. */
    private static final int SPARE_BUFFERS = 64;
    private static final ArrayBlockingQueue<ByteBuffer> SPARE = new ArrayBlockingQueue<>(SPARE_BUFFERS);

    static final ByteBufAllocator ALLOCATOR = new ReadBufferAllocator();

    private DirectBodyReads() {
    }

    /**
     * Event loop: switches the request's connection to {@link #ALLOCATOR} for its next reads; the returned action
     * switches it back (call it when the body has ended or failed, on the event loop).
     */
    static Runnable enable(HttpServerRequest request) {
        if (request.version() == HttpVersion.HTTP_2 || !(request.connection() instanceof ConnectionBase connection)) {
            return () -> {
            };
        }
        ChannelConfig config = connection.channel().config();
        ByteBufAllocator before = config.getAllocator();
        config.setAllocator(ALLOCATOR);
        return () -> config.setAllocator(before);
    }

    /** The buffer to release once {@code chunk} (a Vert.x view of a body chunk) is written, or null if it is not ours. */
    static ByteBuf owned(ByteBuf chunk) {
        if (chunk.alloc() != ALLOCATOR) {
            return null;
        }
        // Vert.x hands out an unreleasable view of the chunk; the view below it shares the read buffer's count
        ByteBuf view = chunk.unwrap();
        return view != null ? view : chunk;
    }

    /**
     * Direct buffers from {@link ByteBuffer#allocateDirect} (freed by the garbage collector if never released), without
     * leak tracking: a chunk dropped after a failed upload is expected, and freed that way.
     */
    private static final class ReadBufferAllocator extends AbstractByteBufAllocator {
        ReadBufferAllocator() {
            super(true);
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return new ReadBuffer(this, initialCapacity, maxCapacity);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            return new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }
    }

    /** A read buffer whose memory goes back to {@link #SPARE} on release instead of being freed. */
    private static final class ReadBuffer extends UnpooledUnsafeDirectByteBuf {
        ReadBuffer(ByteBufAllocator allocator, int initialCapacity, int maxCapacity) {
            super(allocator, initialCapacity, maxCapacity);
        }

        @Override
        protected ByteBuffer allocateDirect(int capacity) {
            ByteBuffer spare = capacity == READ_SIZE ? SPARE.poll() : null;
            return spare != null ? spare.clear() : super.allocateDirect(capacity);
        }

        @Override
        protected void freeDirect(ByteBuffer buffer) {
            if (buffer.capacity() != READ_SIZE || !SPARE.offer(buffer)) {
                super.freeDirect(buffer);
            }
        }
    }
}
