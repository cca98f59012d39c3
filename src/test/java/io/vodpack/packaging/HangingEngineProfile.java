package io.vodpack.packaging;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The engine is a script that never finishes and starts a child of its own, so tests can see the
 * timeout and a cancellation kill the whole process tree.
 */
public class HangingEngineProfile implements QuarkusTestProfile {

    public static final Path DIR = Path.of("target", "test-engines").toAbsolutePath();
    public static final Path SCRIPT = DIR.resolve("hanging-packager");

    @Override
    public Map<String, String> getConfigOverrides() {
        try {
            Files.createDirectories(DIR);
            Files.writeString(SCRIPT, """
                    #!/bin/sh
                    # Stands in for a packager that hangs: records its own PID and its child's, then waits.
                    if [ "$1" = "--version" ]; then echo "hanging test engine"; exit 0; fi
                    dir=$(dirname "$0")
                    echo "$$" > "$dir/engine.pid"
                    sleep 300 &
                    echo "$!" > "$dir/child.pid"
                    echo "pretending to package"
                    wait
                    """);
            Files.setPosixFilePermissions(SCRIPT, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("vodpack.packaging.shaka.path", SCRIPT.toString(), "vodpack.packaging.timeout", "PT6S");
    }
}
