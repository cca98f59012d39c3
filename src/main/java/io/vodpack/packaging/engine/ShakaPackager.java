package io.vodpack.packaging.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import io.vodpack.core.config.VodpackConfig;

/**
 * Shaka Packager: one run writes every track (the source's video and audio, or each rendition of a ladder),
 * encrypted with cbcs from the first segment (clear lead 0), a static MPD and, over the same segments, an HLS master
 * playlist with one media playlist per track (SAMPLE-AES, key format identity), under one key or separate keys.
 * Output paths are relative so the MPD's and the playlists' URLs are too.
 */
@ApplicationScoped
public class ShakaPackager implements Packager {

    public static final String NAME = "shaka";

    private final String executable;

    public ShakaPackager(VodpackConfig config) {
        this.executable = EngineProcess.executable(config.packaging().shaka().path());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean writesHls() {
        return true;
    }

    @Override
    public List<List<String>> commandLines(PackagingRequest r) {
        String out = r.outputDir().toAbsolutePath().toString();
        List<String> command = new ArrayList<>(List.of(executable));
        r.tracks().forEach(track -> command.add(streamDescriptor(track, out)));
        command.addAll(List.of(
                "--protection_scheme", "cbcs",
                "--enable_raw_key_encryption",
                "--keys", r.keys().stream().map(k -> "label=" + k.label() + ":key_id=" + k.kid().hex() + ":key=" + k.key().hex())
                        .collect(Collectors.joining(",")),
                "--protection_systems", "CommonSystem",
                "--clear_lead", "0",
                "--segment_duration", Integer.toString(r.segmentDurationSeconds()),
                "--generate_static_live_mpd",
                "--mpd_output", out + "/stream.mpd"));
        command.addAll(hlsFlags(r));
        return List.of(command);
    }

    /**
     * The one place a track becomes a stream descriptor: its input and stream, its init segment and segment template
     * under {@code out/<folder>/}, its DRM label (always explicit: Shaka Packager would otherwise derive labels from
     * pixel counts) and its HLS media playlist ({@link PackagingRequest.Track#playlistName}: one per rendition).
     */
    static String streamDescriptor(PackagingRequest.Track track, String out) {
        String folder = out + "/" + track.folder();
        String playlist = track.playlistName();
        return "in=" + track.file().toAbsolutePath() + ",stream=" + track.stream() + ",init_segment=" + folder
                + "/init.mp4,segment_template=" + folder + "/seg_$Number$.m4s,drm_label=" + track.drmLabel()
                + ("audio".equals(track.stream()) ? hlsAudio(playlist) : hlsVideo(playlist));
    }

    /**
     * The HLS part of a video stream descriptor: its media playlist, named relative to the master playlist (each
     * video rendition needs a name of its own).
     */
    static String hlsVideo(String playlist) {
        return ",playlist_name=" + playlist;
    }

    /** The HLS part of an audio stream descriptor: its media playlist, in the one audio group every variant names. */
    static String hlsAudio(String playlist) {
        return ",playlist_name=" + playlist + ",hls_group_id=audio,hls_name=audio";
    }

    /**
     * The flags that make the same run write {@code master.m3u8} beside the MPD. Every media playlist's
     * {@code EXT-X-KEY} gets {@code METHOD=SAMPLE-AES} and {@code KEYFORMAT="identity"}. Under one key its URI is the
     * request's relative key URI. With separate keys no key URI is given: one {@code --hls_key_uri} would name the
     * same key in every playlist, while without it Shaka Packager names each playlist's own KID
     * ({@code data:text/plain;base64,<KID>}, {@link HlsPlaylists#kidKeyUri}). Delivery turns either into the absolute
     * key URI, with the KID and the viewer's token, when it serves the playlist.
     */
    static List<String> hlsFlags(PackagingRequest r) {
        List<String> flags = new ArrayList<>(List.of("--hls_master_playlist_output",
                r.outputDir().toAbsolutePath() + "/" + HlsPlaylists.MASTER));
        if (!r.separateKeys()) {
            flags.addAll(List.of("--hls_key_uri", r.hlsKeyUri()));
        }
        return flags;
    }

    @Override
    public List<String> executables() {
        return List.of(executable);
    }

    @Override
    public List<String> versionCommand() {
        return List.of(executable, "--version");
    }
}
