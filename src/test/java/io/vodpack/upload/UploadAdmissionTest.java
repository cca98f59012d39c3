package io.vodpack.upload;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.support.Db;
import io.vodpack.support.Api;
import io.vodpack.support.TestMedia;

/**
 * Limits on what uploads may hold: a body that trickles in is stopped within the transfer window, and uploads past
 * the per-instance cap are refused with 503 and Retry-After. Small limits (1 KiB per 2 s, 2 uploads) keep it quick.
 */
@QuarkusTest
@TestProfile(UploadAdmissionTest.SmallLimits.class)
class UploadAdmissionTest {

    public static class SmallLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("vodpack.upload.min-transfer-bytes", "1024", "vodpack.upload.min-transfer-window", "PT2S",
                    "vodpack.upload.max-concurrent", "2", "vodpack.upload.busy-retry-after", "PT7S");
        }
    }

    @TestHTTPResource("/")
    URL base;

    @Inject
    ContentStorage storage;

    @Inject
    AgroalDataSource db;

    @Test
    void tricklingUploadIsStoppedWith408WithinTheWindowAndLeavesNothing() throws Exception {
        long rows = Db.count(db, "select count(*) from input_content");
        long started = System.nanoTime();
        String answer;
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /upload_input_content HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + Api.AUTHORIZATION + "\r\nContent-Type: video/mp4\r\n"
                    + "Content-Length: 100000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            answer = trickleUntilAnswered(socket, out);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        assertThat(answer).startsWith("HTTP/1.1 408").contains("application/problem+json").contains("upload-too-slow");
        // one 2 s window, the next timer tick at the latest, and some slack for a busy machine
        assertThat(seconds).as("seconds until the trickle was cut off").isLessThan(6.5);
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(files(storage.incomingDir())).as("partial files").isEmpty();
            assertThat(Db.count(db, "select count(*) from input_content")).isEqualTo(rows);
        });
    }

    @Test
    void tricklingResumablePatchIsStoppedWith408AndKeepsTheBytesThatArrived() throws Exception {
        String url = given().header("Tus-Resumable", "1.0.0").header("Upload-Length", 100_000).post("/files/")
                .then().statusCode(201).extract().header("Location");
        String answer;
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            out.write(("PATCH " + new URL(url).getPath() + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + Api.AUTHORIZATION + "\r\nTus-Resumable: 1.0.0\r\n"
                    + "Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: 100000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[5000]);
            out.flush();
            answer = trickleUntilAnswered(socket, out);
        }
        assertThat(answer).startsWith("HTTP/1.1 408");
        long offset = Long.parseLong(given().header("Tus-Resumable", "1.0.0").head(url).then().statusCode(200)
                .extract().header("Upload-Offset"));
        assertThat(offset).isGreaterThanOrEqualTo(5000).isLessThan(100_000);
        assertThat(Files.size(storage.resumableFile(url.substring(url.lastIndexOf('/') + 1)))).isEqualTo(offset);
    }

    @Test
    void uploadsPastTheCapGet503WithRetryAfterAndTheNextOneGetsIn() throws Exception {
        byte[] clip = Files.readAllBytes(TestMedia.h264Aac());
        List<Socket> running = new ArrayList<>();
        try {
            // two uploads in flight, each sending fast enough to stay under the rate limit but never finishing
            for (int i = 0; i < 2; i++) {
                Socket socket = new Socket(base.getHost(), base.getPort());
                running.add(socket);
                socket.getOutputStream().write(("POST /upload_input_content HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + Api.AUTHORIZATION + "\r\n"
                        + "Content-Type: video/mp4\r\nContent-Length: 5000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().write(new byte[64 * 1024]);
                socket.getOutputStream().flush();
            }
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> files(storage.incomingDir()).size() == 2);
            given().contentType("video/mp4").body(clip).post("/upload_input_content").then().statusCode(503)
                    .contentType("application/problem+json").header("Retry-After", "7")
                    .body("detail", containsString("2 uploads"));
            given().header("Tus-Resumable", "1.0.0").header("Upload-Length", clip.length)
                    .contentType("application/offset+octet-stream").body(clip).post("/files/").then().statusCode(503)
                    .header("Retry-After", "7");
        } finally {
            for (Socket socket : running) {
                socket.close();
            }
        }
        // the slots are free again once the held uploads have ended
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().contentType("video/mp4").body(clip)
                .post("/upload_input_content").then().statusCode(201));
    }

    /** Sends one byte every 500 ms (0.5 KiB per 2 s window would need 1024) until the service answers. */
    private static String trickleUntilAnswered(Socket socket, OutputStream out) throws IOException, InterruptedException {
        InputStream in = socket.getInputStream();
        for (int i = 0; i < 40; i++) {
            if (in.available() > 0) {
                break;
            }
            try {
                out.write(0);
                out.flush();
            } catch (IOException closedByServer) {
                break;
            }
            Thread.sleep(500);
        }
        byte[] head = in.readNBytes(12);
        Thread.sleep(300);
        return new String(head, StandardCharsets.US_ASCII) + new String(in.readNBytes(in.available()), StandardCharsets.US_ASCII);
    }

    /** Files of this test class's uploads (older leftovers are the sweeper's business). */
    private List<Path> files(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toFile().lastModified() >= startedAt).toList();
        }
    }

    private final long startedAt = System.currentTimeMillis() - 1000;
}
