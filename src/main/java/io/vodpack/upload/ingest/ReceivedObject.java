package io.vodpack.upload.ingest;

/**
 * A complete upload body already written to the bucket as input {@code name} (not yet checked), ready for the store
 * step.
 *
 * @param name        the input's storage name; its object is {@code inputs/<name>}
 * @param size        its length in bytes
 * @param sha256      the SHA-256 computed while the bytes streamed in
 * @param filename    client's file name, metadata only; may be null
 * @param contentType declared media type of the file
 * @param owner       the owner the stored input will belong to
 */
public record ReceivedObject(String name, long size, byte[] sha256, String filename, String contentType, String owner) {
}
