package io.vodpack.upload;

/**
 * What the client told us about an upload before its body arrives.
 *
 * @param filename       client's file name, metadata only (never used as a path); may be null
 * @param contentType    declared media type of the file
 * @param multipart      whether the body is multipart/form-data with the file in field {@code file}
 * @param expectedSha256 digest the client sent in Content-Digest or Repr-Digest; null when none
 */
public record IncomingUpload(String filename, String contentType, boolean multipart, byte[] expectedSha256) {
}
