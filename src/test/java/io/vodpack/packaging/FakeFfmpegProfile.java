package io.vodpack.packaging;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * ffmpeg is a script that either fails after printing a line ({@code fail}) or hangs with a child of its own
 * ({@code hang}, recording both PIDs), as the file {@code ffmpeg-mode} beside it says: so tests can see a failed
 * rendition fail its job and a cancellation kill ffmpeg's process tree.
 */
public class FakeFfmpegProfile implements QuarkusTestProfile {

    public static final Path DIR = Path.of("target", "test-ffmpeg").toAbsolutePath();
    public static final Path SCRIPT = DIR.resolve("ffmpeg");
    public static final Path MODE = DIR.resolve("ffmpeg-mode");
    public static final String LAST_LINE = "Error while opening encoder for output stream #0:0 (test)";

    @Override
    public Map<String, String> getConfigOverrides() {
        try {
            Files.createDirectories(DIR);
            Files.writeString(SCRIPT, """
                    #!/bin/sh
                    # Stands in for ffmpeg: fails with a last line, or hangs with a child, as ffmpeg-mode says.
                    dir=$(dirname "$0")
                    if [ "$(cat "$dir/ffmpeg-mode")" = "fail" ]; then
                      echo "ffmpeg version test"
                      echo "%s"
                      exit 1
                    fi
                    echo "$$" >> "$dir/ffmpeg.pids"
                    sleep 300 &
                    echo "$!" >> "$dir/ffmpeg.pids"
                    wait
                    """.formatted(LAST_LINE));
            Files.setPosixFilePermissions(SCRIPT, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("vodpack.packaging.transcode.ffmpeg-path", SCRIPT.toString());
    }
}
