package io.vodpack.packaging.engine;

import java.nio.file.Path;

import io.vodpack.packaging.ContentKey;

/**
 * One engine run: package {@code input} into {@code outputDir} (stream.mpd, video/, audio/), encrypting
 * every segment with cbcs under {@code key}/{@code kid}. {@code workDir} holds intermediate files and
 * the engine log; it is never published. {@code licenseUrl} goes into the MPD, {@code hlsKeyUri} into the HLS
 * playlists' {@code EXT-X-KEY} (engines that write HLS); both are relative, never carrying a host or a token.
 */
public record PackagingRequest(Path input, Path outputDir, Path workDir, ContentKey key, ContentKey kid,
        int segmentDurationSeconds, String licenseUrl, String hlsKeyUri) {
}
