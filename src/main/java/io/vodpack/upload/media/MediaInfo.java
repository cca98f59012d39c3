package io.vodpack.upload.media;

/** What the box reader learned about an accepted MP4: the codecs (RFC 6381 strings), size of the picture and duration. */
public record MediaInfo(String videoCodec, String audioCodec, int width, int height, long durationMillis) {
}
