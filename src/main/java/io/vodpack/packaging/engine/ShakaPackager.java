package io.vodpack.packaging.engine;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.vodpack.core.config.VodpackConfig;

/**
 * Shaka Packager: one run writes both tracks, encrypted with cbcs from the first segment
 * (clear lead 0), and a static MPD. Output paths are relative so the MPD's URLs are too.
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
    public List<List<String>> commandLines(PackagingRequest r) {
        String in = r.input().toAbsolutePath().toString();
        String out = r.outputDir().toAbsolutePath().toString();
        return List.of(List.of(executable,
                "in=" + in + ",stream=video,init_segment=" + out + "/video/init.mp4,segment_template=" + out
                        + "/video/seg_$Number$.m4s,drm_label=CK",
                "in=" + in + ",stream=audio,init_segment=" + out + "/audio/init.mp4,segment_template=" + out
                        + "/audio/seg_$Number$.m4s,drm_label=CK",
                "--protection_scheme", "cbcs",
                "--enable_raw_key_encryption",
                "--keys", "label=CK:key_id=" + r.kid().hex() + ":key=" + r.key().hex(),
                "--protection_systems", "CommonSystem",
                "--clear_lead", "0",
                "--segment_duration", Integer.toString(r.segmentDurationSeconds()),
                "--generate_static_live_mpd",
                "--mpd_output", out + "/stream.mpd"));
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
