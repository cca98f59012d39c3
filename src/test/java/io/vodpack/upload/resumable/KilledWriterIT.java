package io.vodpack.upload.resumable;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.restassured.response.Response;
import io.vodpack.support.Api;
import io.vodpack.support.TestMedia;

/**
 * After {@code ./mvnw package}: the built service is killed with SIGKILL while a PATCH streams into it. A restarted
 * instance reports the offset of the bytes that were fsynced before the kill, the dead writer's lock lapses within
 * its time to live (15 s by default), and the client finishes the upload from there.
 */
class KilledWriterIT {

    static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    static final Path STORAGE = Path.of("target/killed-writer-it-storage");

    private final List<Process> instances = new ArrayList<>();

    @AfterEach
    void stopInstances() {
        instances.forEach(Process::destroyForcibly);
    }

    @Test
    void aPatchKilledWithTheJvmKeepsItsFsyncedBytesAndTheLockLapsesWithinItsTtl() throws Exception {
        byte[] clip = Files.readAllBytes(TestMedia.h264Aac());
        int sent = clip.length / 2;
        int port = freePort();
        Process first = start(port, true);
        String url = given().header("Tus-Resumable", "1.0.0").header("Upload-Length", clip.length)
                .post("http://127.0.0.1:" + port + "/files/").then().statusCode(201).extract().header("Location");

        long killedAt;
        try (Socket writer = new Socket("127.0.0.1", port)) {
            OutputStream out = writer.getOutputStream();
            out.write(("PATCH " + new URL(url).getPath() + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + Api.AUTHORIZATION + "\r\nTus-Resumable: 1.0.0\r\n"
                    + "Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: " + clip.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(clip, 0, sent);
            out.flush();
            // a lock renewal (every third of the 15 s TTL) records how far the bytes are on disk
            Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                    .until(() -> offset(url) == sent);
            first.destroyForcibly().waitFor();
            killedAt = System.nanoTime();
        }

        start(port, false);
        assertThat(offset(url)).as("offset after the restart").isEqualTo(sent);
        Response resumed = null;
        long deadline = killedAt + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            resumed = given().header("Tus-Resumable", "1.0.0").header("Upload-Offset", sent)
                    .contentType("application/offset+octet-stream").body(Arrays.copyOfRange(clip, sent, clip.length))
                    .patch(url);
            if (resumed.statusCode() != 423) {
                break;
            }
            Thread.sleep(500);
        }
        double lapsed = (System.nanoTime() - killedAt) / 1e9;
        System.out.printf("Upload resumed %.1f s after the kill (restart included)%n", lapsed);
        assertThat(resumed.statusCode()).as("PATCH after the lock lapsed").isEqualTo(204);
        String input = resumed.header("Upload-Input-Content-Id");
        given().get("http://127.0.0.1:" + port + "/input_content/" + input).then().statusCode(200)
                .body("sha256", equalTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(clip))))
                .body("size_bytes", equalTo(clip.length));
    }

    private Process start(int port, boolean cleanSchema) throws IOException {
        Files.createDirectories(STORAGE);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.http.port=" + port, "-Dquarkus.management.port=" + freePort(), "-Ddb.schema=vodpack_killed_writer_it",
                "-Dvodpack.storage.root=" + STORAGE.toAbsolutePath(), "-Dvodpack.packaging.workers-enabled=false",
                "-Dvodpack.security.admin-api-key=" + Api.ADMIN_KEY));
        if (cleanSchema) {
            command.addAll(List.of("-Dquarkus.flyway.clean-at-start=true", "-Dquarkus.flyway.clean-disabled=false"));
        }
        command.addAll(List.of("-jar", JAR.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(Path.of("target/killed-writer-it.log").toFile())).start();
        instances.add(process);
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> given().options("http://127.0.0.1:" + port + "/files/").statusCode() == 204);
        return process;
    }

    private static long offset(String url) {
        return Long.parseLong(given().header("Tus-Resumable", "1.0.0").head(url).then().statusCode(200)
                .extract().header("Upload-Offset"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
