package io.vodpack.packaging.engine;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.vodpack.core.config.VodpackConfig;

/**
 * Bento4: {@code mp4dash} needs a fragmented input, so {@code mp4fragment} runs first; then
 * {@code mp4dash} encrypts with cbcs and signals ClearKey with the license URL.
 */
@ApplicationScoped
public class Bento4Packager implements Packager {

    private final String mp4fragment;
    private final String mp4dash;

    public Bento4Packager(VodpackConfig config) {
        this.mp4fragment = EngineProcess.executable(config.packaging().bento4().mp4fragment());
        this.mp4dash = EngineProcess.executable(config.packaging().bento4().mp4dash());
    }

    @Override
    public String name() {
        return "bento4";
    }

    @Override
    public List<List<String>> commandLines(PackagingRequest r) {
        String fragmented = r.workDir().resolve("fragmented.mp4").toAbsolutePath().toString();
        return List.of(
                List.of(mp4fragment, "--fragment-duration", Integer.toString(r.segmentDurationSeconds() * 1000),
                        r.input().toAbsolutePath().toString(), fragmented),
                List.of(mp4dash, "--force", "--output-dir=" + r.outputDir().toAbsolutePath(), "--mpd-name=stream.mpd",
                        "--use-segment-timeline",
                        "--encryption-key=" + r.kid().hex() + ":" + r.key().hex(),
                        "--encryption-cenc-scheme=cbcs",
                        "--clearkey", "--clearkey-license-uri=" + r.licenseUrl(),
                        fragmented));
    }

    @Override
    public List<String> executables() {
        return List.of(mp4fragment, mp4dash);
    }

    @Override
    public List<String> versionCommand() {
        // mp4dash has no --version; mp4fragment prints its version above its usage when run without arguments.
        return List.of(mp4fragment);
    }
}
