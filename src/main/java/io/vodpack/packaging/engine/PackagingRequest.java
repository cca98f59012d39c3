package io.vodpack.packaging.engine;

import java.nio.file.Path;
import java.util.List;

import io.vodpack.packaging.ContentKey;

/**
 * One engine run: package {@code tracks} into {@code outputDir} (stream.mpd and one folder per track), encrypting
 * every segment with cbcs under the key of the track's DRM label ({@code keys}). {@code input} is the uploaded
 * source; without a ladder both tracks are taken from it and one key encrypts them. {@code workDir} holds
 * intermediate files and the engine log; it is never published. {@code licenseUrl} goes into the MPD,
 * {@code hlsKeyUri} into the HLS playlists' {@code EXT-X-KEY} under one key (engines that write HLS); both are
 * relative, never carrying a host or a token. With separate keys each media playlist names its own KID instead
 * ({@link #hlsKeyUriOf}).
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

        /** The HLS media playlist of this track, beside the master playlist: {@code <folder>.m3u8}, slashes as underscores. */
        public String playlistName() {
            return folder.replace('/', '_') + ".m3u8";
        }
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

    /** Whether the tracks are encrypted under more than one key (a ladder's AUDIO, SD and HD keys). */
    public boolean separateKeys() {
        return keys.size() > 1;
    }

    /**
     * The key URI the HLS media playlist {@code playlist} must name in its {@code EXT-X-KEY}, or null when no track
     * has that playlist. Under one key every playlist names {@link #hlsKeyUri}; with separate keys each names the KID
     * of its track's DRM label ({@link HlsPlaylists#kidKeyUri}), which delivery turns into the key URI of that KID.
     */
    public String hlsKeyUriOf(String playlist) {
        Track track = tracks.stream().filter(t -> t.playlistName().equals(playlist)).findFirst().orElse(null);
        if (track == null) {
            return null;
        }
        if (!separateKeys()) {
            return hlsKeyUri;
        }
        return keys.stream().filter(k -> k.label().equals(track.drmLabel())).findFirst()
                .map(k -> HlsPlaylists.kidKeyUri(k.kid())).orElse(null);
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
