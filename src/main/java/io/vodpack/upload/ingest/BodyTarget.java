package io.vodpack.upload.ingest;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where the bytes of an upload body go (a partial file on local storage today). A {@link DigestingSink} calls it on a
 * worker thread, one call at a time, with the body's chunks in order.
 */
public interface BodyTarget {

    /** Appends every remaining byte of {@code chunks}, in order. Blocking. */
    void append(ByteBuffer[] chunks) throws IOException;

    /** Releases what the target holds open; the bytes appended so far stay. Blocking. */
    void close() throws IOException;
}
