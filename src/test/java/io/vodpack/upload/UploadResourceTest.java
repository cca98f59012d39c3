package io.vodpack.upload;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vodpack.support.Api;
import io.restassured.response.Response;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.core.storage.ContentStore;
import io.vodpack.support.StoredInputs;
import io.vodpack.support.Db;
import io.vodpack.support.TestMedia;

@QuarkusTest
class UploadResourceTest {

    @Inject
    AgroalDataSource db;

    @Inject
    ContentStorage storage;

    @Inject
    ContentStore store;

    @TestHTTPResource("/")
    URL base;

    @Test
    void rawUploadStoresIdenticalBytesAndRow() throws Exception {
        Path clip = TestMedia.h264Aac();
        byte[] source = Files.readAllBytes(clip);
        Response response = given().contentType("video/mp4").body(source).queryParam("filename", "trailer.mp4")
                .post("/upload_input_content");
        response.then().statusCode(201)
                .header("Location", containsString("/input_content/"))
                .body("sha256", equalTo(sha256Hex(source)))
                .body("size_bytes", equalTo(source.length))
                .body("filename", equalTo("trailer.mp4"))
                .body("video_codec", startsWith("avc1."))
                .body("audio_codec", equalTo("mp4a.40.2"))
                .body("width", equalTo(320)).body("height", equalTo(240));
        long id = response.jsonPath().getLong("input_content_id");
        assertThat(response.header("Location")).endsWith("/input_content/" + id);
        assertThat(response.jsonPath().getLong("duration_ms")).isBetween(5900L, 6100L);

        String storageName = Db.string(db, "select storage_name from input_content where id = ?", id);
        assertThat(StoredInputs.bytes(store, storageName)).isEqualTo(source);
        assertThat(Db.string(db, "select sha256 from input_content where id = ?", id)).isEqualTo(sha256Hex(source));
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("vodpack_uploads_total{outcome=\"accepted\",reason=\"none\"}")
                .containsPattern("vodpack_upload_bytes_total [1-9]");
    }

    @Test
    void multipartUploadStoresIdenticalBytesAndKeepsFilenameAsMetadata() throws Exception {
        Path clip = TestMedia.h264Aac();
        byte[] source = Files.readAllBytes(clip);
        Response response = given().multiPart("file", "../../etc/evil name.mp4", source, "video/mp4")
                .post("/upload_input_content");
        response.then().statusCode(201).body("sha256", equalTo(sha256Hex(source)))
                .body("filename", equalTo("evil name.mp4"));
        long id = response.jsonPath().getLong("input_content_id");
        String storageName = Db.string(db, "select storage_name from input_content where id = ?", id);
        assertThat(storageName).matches("[0-9a-f-]{36}\\.mp4");
        assertThat(StoredInputs.bytes(store, storageName)).isEqualTo(source);
    }

    @Test
    void chunkedPutUploadLikeCurlDashT() throws Exception {
        byte[] source = Files.readAllBytes(TestMedia.h264Aac());
        // An InputStream body is sent with Transfer-Encoding: chunked (no Content-Length).
        given().contentType("application/octet-stream").header("Expect", "100-continue")
                .body(new ByteArrayInputStream(source))
                .put("/upload_input_content")
                .then().statusCode(201).body("sha256", equalTo(sha256Hex(source)));
    }

    @Test
    void nonMp4IsRejectedWith415AndNothingKept() {
        long rows = rows();
        given().contentType("video/mp4").body("this is not a video, just some text".getBytes())
                .post("/upload_input_content")
                .then().statusCode(415).contentType("application/problem+json")
                .body("status", equalTo(415)).body("detail", containsString("not an ISO-BMFF"))
                .body("instance", equalTo("/upload_input_content"));
        assertNothingKept(rows);
    }

    @Test
    void wrongContentTypeIsRejectedWith415() {
        given().contentType("text/plain").body("hello").post("/upload_input_content")
                .then().statusCode(415).contentType("application/problem+json")
                .body("detail", containsString("video/mp4"));
    }

    @Test
    void videoOnlyMp4IsRejectedWith422() throws Exception {
        long rows = rows();
        given().contentType("video/mp4").body(Files.readAllBytes(TestMedia.videoOnly())).post("/upload_input_content")
                .then().statusCode(422).contentType("application/problem+json")
                .body("detail", equalTo("no AAC audio track; found: none"));
        assertNothingKept(rows);
    }

    @Test
    void hevcVideoIsRejectedWith422NamingTheCodec() throws Exception {
        given().contentType("video/mp4").body(Files.readAllBytes(TestMedia.hevcAac())).post("/upload_input_content")
                .then().statusCode(422).body("detail", containsString("no H.264 video track; found: HEVC"));
    }

    @Test
    void opusAudioIsRejectedWith422NamingTheCodec() throws Exception {
        given().contentType("video/mp4").body(Files.readAllBytes(TestMedia.h264Opus())).post("/upload_input_content")
                .then().statusCode(422).body("detail", equalTo("no AAC audio track; found: Opus"));
    }

    @Test
    void emptyBodyIsRejectedWith400() {
        long rows = rows();
        given().contentType("video/mp4").body(new byte[0]).post("/upload_input_content")
                .then().statusCode(400).contentType("application/problem+json").body("detail", containsString("empty"));
        assertNothingKept(rows);
    }

    @Test
    void oversizedChunkedBodyIsStoppedWith413AndLeavesNothing() throws Exception {
        long rows = rows();
        // 9 MiB against the test limit of 8 MiB, sent chunked so only vodpack's own count can stop it.
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /upload_input_content HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + Api.AUTHORIZATION + "\r\nContent-Type: video/mp4\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            try {
                for (int i = 0; i < 9 * 16; i++) {
                    out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException closedByServer) {
                // The service stops reading and closes the connection: expected.
            }
            String status = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(status).isEqualTo("HTTP/1.1 413");
        }
        assertNothingKept(rows);
    }

    @Test
    void oversizedContentLengthIsRejectedBeforeReading() {
        given().contentType("video/mp4").body(new byte[9 * 1024 * 1024]).post("/upload_input_content")
                .then().statusCode(413).contentType("application/problem+json");
    }

    @Test
    void clientThatAbortsMidBodyLeavesNothing() throws Exception {
        long rows = rows();
        byte[] source = Files.readAllBytes(TestMedia.h264Aac());
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /upload_input_content HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + Api.AUTHORIZATION + "\r\nContent-Type: video/mp4\r\n"
                    + "Content-Length: " + source.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(source, 0, source.length / 3);
            out.flush();
            awaitBodyArriving();
        }
        assertNothingKept(rows);
    }

    @Test
    void digestMismatchIsRejectedAndNothingKept() throws Exception {
        long rows = rows();
        byte[] source = Files.readAllBytes(TestMedia.h264Aac());
        byte[] wrong = MessageDigest.getInstance("SHA-256").digest("something else".getBytes());
        given().contentType("video/mp4").header("Content-Digest", "sha-256=:" + Base64.getEncoder().encodeToString(wrong) + ":")
                .body(source).post("/upload_input_content")
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("urn:vodpack:problem:digest-mismatch"));
        assertNothingKept(rows);
    }

    @Test
    void matchingDigestIsAccepted() throws Exception {
        byte[] source = Files.readAllBytes(TestMedia.h264Aac());
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(source);
        given().contentType("video/mp4").header("Repr-Digest", "sha-256=:" + Base64.getEncoder().encodeToString(digest) + ":")
                .body(source).post("/upload_input_content").then().statusCode(201);
    }

    @Test
    void malformedDigestIsRejectedWith400() {
        given().contentType("video/mp4").header("Content-Digest", "sha-256=abc").body(new byte[] { 1 })
                .post("/upload_input_content").then().statusCode(400)
                .body("type", equalTo("urn:vodpack:problem:malformed-digest"));
    }

    @Test
    void eightConcurrentUploadsAllSucceed() throws Exception {
        byte[] source = Files.readAllBytes(TestMedia.h264Aac());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Response>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> given().contentType("video/mp4").body(source).post("/upload_input_content")));
            }
            List<Long> ids = new ArrayList<>();
            for (Future<Response> result : results) {
                Response response = result.get();
                assertThat(response.statusCode()).isEqualTo(201);
                assertThat(response.jsonPath().getString("sha256")).isEqualTo(sha256Hex(source));
                ids.add(response.jsonPath().getLong("input_content_id"));
            }
            assertThat(ids).doesNotHaveDuplicates().hasSize(8);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void listIsPagedNewestFirst() throws Exception {
        byte[] source = Files.readAllBytes(TestMedia.h264Aac());
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(given().contentType("video/mp4").body(source).post("/upload_input_content")
                    .then().statusCode(201).extract().jsonPath().getLong("input_content_id"));
        }
        List<Long> page0 = given().queryParam("size", 2).get("/input_content").then().statusCode(200)
                .extract().jsonPath().getList("input_content_id", Long.class);
        List<Long> page1 = given().queryParam("size", 2).queryParam("page", 1).get("/input_content").then().statusCode(200)
                .extract().jsonPath().getList("input_content_id", Long.class);
        assertThat(page0).containsExactly(ids.get(2), ids.get(1));
        assertThat(page1.get(0)).isEqualTo(ids.get(0));
        given().queryParam("size", 0).get("/input_content").then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void aPageWhoseRowOffsetWouldOverflowIsRefusedWith400() {
        given().queryParam("page", Integer.MAX_VALUE).get("/input_content").then().statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("page"));
        given().queryParam("page", Integer.MAX_VALUE / 200 + 1).queryParam("size", 200).get("/input_content")
                .then().statusCode(400);
        // the last page whose offset still fits is a plain (empty) page
        given().queryParam("page", Integer.MAX_VALUE / 200).queryParam("size", 200).get("/input_content")
                .then().statusCode(200).body("size()", equalTo(0));
    }

    @Test
    void getAndDeleteAnInput() throws Exception {
        byte[] source = Files.readAllBytes(TestMedia.h264Aac());
        long id = given().contentType("video/mp4").body(source).post("/upload_input_content")
                .then().statusCode(201).extract().jsonPath().getLong("input_content_id");
        String storageName = Db.string(db, "select storage_name from input_content where id = ?", id);
        given().get("/input_content/" + id).then().statusCode(200).body("input_content_id", equalTo((int) id));
        given().delete("/input_content/" + id).then().statusCode(204);
        assertThat(StoredInputs.exists(store, storageName)).isFalse();
        assertThat(Db.count(db, "select count(*) from input_content where id = ?", id)).isZero();
        given().get("/input_content/" + id).then().statusCode(404).contentType("application/problem+json");
        given().delete("/input_content/" + id).then().statusCode(404);
    }

    /** Waits until the service is receiving the body of an upload (its partial file exists). */
    protected void awaitBodyArriving() {
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> incomingFiles() > 0);
    }

    private long rows() {
        return Db.count(db, "select count(*) from input_content");
    }

    /** Stored input files that have a row: the test schema is new each run, the storage folder may not be. */
    private long storedFiles() throws IOException {
        return StoredInputs.names(store).stream()
                .filter(name -> Db.count(db, "select count(*) from input_content where storage_name = ?", name) > 0).count();
    }

    /** Partial files of uploads made by this test class (older leftovers are the sweeper's business). */
    private long incomingFiles() throws IOException {
        try (Stream<Path> files = Files.list(storage.incomingDir())) {
            return files.filter(f -> f.toFile().lastModified() >= startedAt).count();
        }
    }

    private final long startedAt = System.currentTimeMillis() - 1000;

    private void assertNothingKept(long rowsBefore) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(incomingFiles()).as("partial files left in incoming/").isZero();
            assertThat(rows()).isEqualTo(rowsBefore);
            assertThat(storedFiles()).as("files in inputs/ vs rows").isEqualTo(rows());
        });
    }

    private static String sha256Hex(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
