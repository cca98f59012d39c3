package io.vodpack.upload;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
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
import io.restassured.response.Response;
import io.vodpack.core.storage.ContentStorage;

/**
 * The storage root on a 4 MiB tmpfs: an upload that fills the disk fails with 507 and leaves nothing behind; a resumable
 * upload's chunk that fills it keeps an offset that matches the bytes on disk.
 */
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

    @Test
    void aResumableChunkThatFillsTheDiskRecordsOnlyTheBytesOnDisk() throws Exception {
        // accepted at creation (it fits), then the disk fills up under it
        int length = 3 * 1024 * 1024;
        Response created = given().header("Tus-Resumable", "1.0.0").header("Upload-Length", length)
                .header("Upload-Metadata", "filename " + Base64.getEncoder().encodeToString("clip.mp4".getBytes()))
                .post("/files");
        created.then().statusCode(201);
        String url = created.header("Location");
        Path filler = MOUNT.resolve("filler");
        Files.write(filler, new byte[2 * 1024 * 1024]);
        // no Upload-Checksum: every byte that reached the file counts, and only those
        given().header("Tus-Resumable", "1.0.0").header("Upload-Offset", 0).contentType("application/offset+octet-stream")
                .body(new byte[length]).patch(url).then().statusCode(507).contentType("application/problem+json");
        long offset = Long.parseLong(given().header("Tus-Resumable", "1.0.0").head(url).header("Upload-Offset"));
        Path file = storage.resumableFile(url.substring(url.lastIndexOf('/') + 1));
        assertThat(offset).as("recorded offset").isLessThan(length);
        assertThat(Files.size(file)).as("bytes on disk against the recorded offset").isEqualTo(offset);
        given().header("Tus-Resumable", "1.0.0").delete(url).then().statusCode(204);
        Files.delete(filler);
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
