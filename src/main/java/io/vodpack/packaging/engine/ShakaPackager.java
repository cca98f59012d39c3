package io.vodpack.packaging.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import io.vodpack.core.config.VodpackConfig;

/**
 * Shaka Packager: one run writes every track (the source's video and audio, or each rendition of a ladder),
 * encrypted with cbcs from the first segment (clear lead 0), and a static MPD. Output paths are relative so the
 * MPD's URLs are too.
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
        return List.of(command);
    }

    /**
     * The one place a track becomes a stream descriptor: its input and stream, its init segment and segment template
     * under {@code out/<folder>/}, and its DRM label (always explicit: Shaka Packager would otherwise derive labels
     * from pixel counts).
     */
    static String streamDescriptor(PackagingRequest.Track track, String out) {
        String folder = out + "/" + track.folder();
        return "in=" + track.file().toAbsolutePath() + ",stream=" + track.stream() + ",init_segment=" + folder
                + "/init.mp4,segment_template=" + folder + "/seg_$Number$.m4s,drm_label=" + track.drmLabel();
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
