package io.vodpack.upload;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vodpack.core.storage.ContentStorage;

/** The storage root on a 4 MiB tmpfs: an upload that fills the disk fails with 507 and leaves nothing behind. */
@QuarkusTest
@TestProfile(FullDiskTest.Profile.class)
@EnabledIf(value = "canMount", disabledReason = "mounting a small tmpfs needs root (CI runs as root)")
class FullDiskTest {

    static final Path MOUNT = Path.of("/tmp/vodpack-full-disk-test");

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Files.createDirectories(MOUNT);
                run("umount", "-l", MOUNT.toString());
                if (run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", MOUNT.toString()) != 0) {
                    throw new IllegalStateException("cannot mount a tmpfs at " + MOUNT);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("vodpack.storage.root", MOUNT.toString(), "vodpack.upload.min-free-space", "0");
        }
    }

    static boolean canMount() {
        return "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/bin/mount"));
    }

    @Inject
    ContentStorage storage;

    @AfterAll
    static void unmount() {
        run("umount", "-l", MOUNT.toString());
    }

    @Test
    void uploadThatFillsTheDiskFailsWith507AndLeavesNothing() throws Exception {
        // 8 MiB of body into a 4 MiB file system.
        given().contentType("video/mp4").body(new byte[8 * 1024 * 1024]).post("/upload_input_content")
                .then().statusCode(507).contentType("application/problem+json");
        for (Path dir : List.of(storage.incomingDir(), storage.inputsDir())) {
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.toList()).as(dir.toString()).isEmpty();
            }
        }
        assertThat(Files.getFileStore(MOUNT).getUsableSpace()).isGreaterThan(3L * 1024 * 1024);
    }

    static int run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
