package io.vodpack.upload.ingest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Lets the bytes of a raw upload body go from the socket to the file without a copy on the Java heap. Vert.x 4
 * copies every chunk read into its pooled direct buffers onto the heap (a copy per chunk, and a GiB of garbage per
 * GiB uploaded, which grows the heap); chunks read into buffers of another allocator are passed on as they are.
 * While a body streams, its HTTP/1.x connection reads into {@link #ALLOCATOR}'s direct buffers, which the
 * {@link DigestingSink} releases once written. A buffer that escapes the sink (a chunk Vert.x drops after a failed
 * upload) is still freed: these buffers are plain {@link java.nio.ByteBuffer#allocateDirect direct buffers}, which
 * the garbage collector frees when unreachable. Multipart bodies and HTTP/2 keep the default path.
 */
final class DirectBodyReads {

    /** Unpooled direct buffers freed on release or, failing that, by the garbage collector (no cleaner-less memory). */
    static final ByteBufAllocator ALLOCATOR = new UnpooledByteBufAllocator(true, true, false);

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
}
