package io.vodpack.upload.media;

/**
 * What the box reader learned about an accepted MP4: the codecs (RFC 6381 strings), the size of the picture as
 * displayed (the decoded size from the H.264 SPS, turned by the track's rotation; never the {@code tkhd} size alone)
 * and the duration.
 */
public record MediaInfo(String videoCodec, String audioCodec, int width, int height, long durationMillis) {
}
