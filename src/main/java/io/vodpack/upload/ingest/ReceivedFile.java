package io.vodpack.upload.ingest;

import java.nio.file.Path;

/**
 * A complete upload body on disk, ready for the store step.
 *
 * @param file        where the bytes are (a partial file of either upload path)
 * @param size        its length in bytes
 * @param sha256      the SHA-256 computed while the bytes streamed in
 * @param filename    client's file name, metadata only (never used as a path); may be null
 * @param contentType declared media type of the file
 * @param owner       the owner the stored input will belong to
 */
public record ReceivedFile(Path file, long size, byte[] sha256, String filename, String contentType, String owner) {
}
