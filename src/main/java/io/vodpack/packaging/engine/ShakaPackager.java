package io.vodpack.packaging.engine;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.vodpack.core.config.VodpackConfig;

/**
 * Shaka Packager: one run writes both tracks, encrypted with cbcs from the first segment (clear lead 0), a static
 * MPD and, over the same segments, an HLS master playlist with one media playlist per track (SAMPLE-AES, key format
 * identity). Output paths are relative so the MPD's and the playlists' URLs are too.
 */
@ApplicationScoped
public class ShakaPackager implements Packager {

    private final String executable;

    public ShakaPackager(VodpackConfig config) {
        this.executable = EngineProcess.executable(config.packaging().shaka().path());
    }

    @Override
    public String name() {
        return "shaka";
    }

    @Override
    public boolean writesHls() {
        return true;
    }

    @Override
    public List<List<String>> commandLines(PackagingRequest r) {
        String in = r.input().toAbsolutePath().toString();
        String out = r.outputDir().toAbsolutePath().toString();
        List<String> command = new ArrayList<>(List.of(executable,
                "in=" + in + ",stream=video,init_segment=" + out + "/video/init.mp4,segment_template=" + out
                        + "/video/seg_$Number$.m4s,drm_label=CK" + hlsVideo("video.m3u8"),
                "in=" + in + ",stream=audio,init_segment=" + out + "/audio/init.mp4,segment_template=" + out
                        + "/audio/seg_$Number$.m4s,drm_label=CK" + hlsAudio("audio.m3u8"),
                "--protection_scheme", "cbcs",
                "--enable_raw_key_encryption",
                "--keys", "label=CK:key_id=" + r.kid().hex() + ":key=" + r.key().hex(),
                "--protection_systems", "CommonSystem",
                "--clear_lead", "0",
                "--segment_duration", Integer.toString(r.segmentDurationSeconds()),
                "--generate_static_live_mpd",
                "--mpd_output", out + "/stream.mpd"));
        command.addAll(hlsFlags(r));
        return List.of(command);
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
     * {@code EXT-X-KEY} gets {@code METHOD=SAMPLE-AES}, {@code KEYFORMAT="identity"} and the request's relative key
     * URI; delivery makes it absolute, with the viewer's token, when it serves the playlist.
     */
    static List<String> hlsFlags(PackagingRequest r) {
        return List.of("--hls_master_playlist_output", r.outputDir().toAbsolutePath() + "/" + HlsPlaylists.MASTER,
                "--hls_key_uri", r.hlsKeyUri());
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
