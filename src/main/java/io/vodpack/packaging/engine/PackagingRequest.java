package io.vodpack.packaging.engine;

import java.nio.file.Path;
import java.util.List;

import io.vodpack.packaging.ContentKey;

/**
 * One engine run: package {@code tracks} into {@code outputDir} (stream.mpd and one folder per track), encrypting
 * every segment with cbcs under the key of the track's DRM label ({@code keys}). {@code input} is the uploaded
 * source; without a ladder both tracks are taken from it and one key encrypts them. {@code workDir} holds
 * intermediate files and the engine log; it is never published. {@code licenseUrl} goes into the MPD,
 * {@code hlsKeyUri} into the HLS playlists' {@code EXT-X-KEY} (engines that write HLS); both are relative, never
 * carrying a host or a token.
 */
public record PackagingRequest(Path input, List<Track> tracks, List<TrackKey> keys, Path outputDir, Path workDir,
        int segmentDurationSeconds, String licenseUrl, String hlsKeyUri) {

    /** The DRM label of every track while one key encrypts them all. */
    public static final String SINGLE_KEY_LABEL = "CK";

    /**
     * One stream of the output: the {@code stream} ({@code video} or {@code audio}) of {@code file}, written under
     * {@code outputDir/folder/} and encrypted under the key of {@code drmLabel}.
     */
    public record Track(Path file, String stream, String folder, String drmLabel) {
    }

    /** The KID and key of one DRM label. */
    public record TrackKey(String label, ContentKey kid, ContentKey key) {

        /** Keys are secrets: never print them. */
        @Override
        public String toString() {
            return "TrackKey[" + label + ", redacted]";
        }
    }

    /** The source packaged as it is: its video and its audio, under one key. */
    public PackagingRequest(Path input, Path outputDir, Path workDir, ContentKey key, ContentKey kid,
            int segmentDurationSeconds, String licenseUrl, String hlsKeyUri) {
        this(input, sourceTracks(input), List.of(new TrackKey(SINGLE_KEY_LABEL, kid, key)), outputDir, workDir,
                segmentDurationSeconds, licenseUrl, hlsKeyUri);
    }

    /** The source's video ({@code video/}) and audio ({@code audio/}) as they are, under one key. */
    public static List<Track> sourceTracks(Path input) {
        return List.of(new Track(input, "video", "video", SINGLE_KEY_LABEL), new Track(input, "audio", "audio",
                SINGLE_KEY_LABEL));
    }

    /** The key of the first label: the only one without a ladder. */
    public ContentKey key() {
        return keys.get(0).key();
    }

    /** The KID of the first label: the only one without a ladder. */
    public ContentKey kid() {
        return keys.get(0).kid();
    }
}
