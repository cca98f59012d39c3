package io.vodpack.upload.resumable;

import java.security.MessageDigest;
import java.util.List;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/** The bytes of one PATCH on their way to where the upload keeps them (a partial file, or parts in a bucket). */
interface PatchChunk {

    /**
     * Appends the (paused) request body. Completes with the new offset; fails with the problem to report. Either way
     * {@link #kept()} is then the offset to record.
     */
    Uni<Long> write(HttpServerRequest request);

    /**
     * The offset the bytes are durable up to now, recorded with each renewal of the write lock; null when the writer
     * records its offset itself, together with what belongs to it.
     */
    Uni<Long> checkpoint();

    /** The offset to record once the PATCH has ended. */
    long kept();

    /** What a PATCH's body feeds: the upload's running SHA-256, and the chunk's own checksum when the client sent one. */
    static List<MessageDigest> digests(MessageDigest running, MessageDigest own) {
        return own == null ? List.of(running) : List.of(running, own);
    }
}
