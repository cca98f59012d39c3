package io.vodpack.upload.resumable;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vodpack.support.Api;
import io.restassured.response.Response;
import io.tus.java.client.TusClient;
import io.tus.java.client.TusURLMemoryStore;
import io.tus.java.client.TusUpload;
import io.tus.java.client.TusUploader;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.core.storage.ContentStore;
import io.vodpack.support.StoredInputs;
import io.vodpack.support.Db;
import io.vodpack.support.TestMedia;

/** tus 1.0 driven by the reference Java client (tus-java-client) and by hand where a client would hide the edge. */
@QuarkusTest
class ResumableUploadTest {

    @TestHTTPResource("/files/")
    URL creation;

    @Inject
    ContentStorage storage;

    @Inject
    ContentStore store;

    @Inject
    AgroalDataSource db;

    @Test
    void wholeUploadWithTheTusClientBecomesAnInput() throws Exception {
        Path source = TestMedia.h264Aac();
        TusClient client = new TusClient();
        client.setUploadCreationURL(creation);
        client.setHeaders(Map.of("Authorization", Api.AUTHORIZATION));
        TusUpload upload = new TusUpload(source.toFile());
        upload.setMetadata(Map.of("filename", "trailer.mp4", "filetype", "video/mp4"));
        TusUploader uploader = client.createUpload(upload);
        uploader.setChunkSize(64 * 1024);
        while (uploader.uploadChunk() > -1) {
            // 64 KiB PATCH requests until the end
        }
        uploader.finish();
        long input = inputOf(uploader.getUploadURL().toString());
        assertStoredExactly(input, source, "trailer.mp4");
    }

    @Test
    void interruptedUploadResumesFromTheServersOffset() throws Exception {
        Path source = TestMedia.h264Aac();
        byte[] bytes = Files.readAllBytes(source);
        String url = createRaw(bytes.length);
        // A PATCH that promises the whole file but the connection drops after 40 %.
        int sent = bytes.length * 2 / 5;
        try (Socket socket = new Socket(creation.getHost(), creation.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("PATCH " + new URL(url).getPath() + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + Api.AUTHORIZATION + "\r\nTus-Resumable: 1.0.0\r\n"
                    + "Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: " + bytes.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes, 0, sent);
            out.flush();
            awaitArrived(id(url), sent);
        }
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> offset(url) == sent);
        assertThat(given().header("Tus-Resumable", "1.0.0").get(url).jsonPath().getString("status")).isEqualTo("UPLOADING");

        // The client resumes: it asks the server for the offset and sends only the rest.
        TusClient client = new TusClient();
        client.setUploadCreationURL(creation);
        client.setHeaders(Map.of("Authorization", Api.AUTHORIZATION));
        TusURLMemoryStore store = new TusURLMemoryStore();
        client.enableResuming(store);
        TusUpload upload = new TusUpload(source.toFile());
        store.set(upload.getFingerprint(), new URL(url));
        TusUploader uploader = client.resumeOrCreateUpload(upload);
        assertThat(uploader.getOffset()).isEqualTo(sent);
        assertThat(uploader.getUploadURL().toString()).isEqualTo(url);
        while (uploader.uploadChunk() > -1) {
            // the remaining 60 %
        }
        uploader.finish();
        assertStoredExactly(inputOf(url), source, null);
    }

    @Test
    void chunkWithAWrongChecksumIsRejectedWith460AndNotWritten() throws Exception {
        byte[] bytes = Files.readAllBytes(TestMedia.h264Aac());
        String url = createRaw(bytes.length);
        byte[] first = Arrays.copyOf(bytes, 100_000);
        patch(url, 0, first, "sha256 " + b64(sha256(first))).then().statusCode(204).header("Upload-Offset", "100000");
        byte[] second = Arrays.copyOfRange(bytes, 100_000, 200_000);
        patch(url, 100_000, second, "sha256 " + b64(sha256("something else".getBytes())))
                .then().statusCode(460).contentType("application/problem+json").header("Tus-Resumable", "1.0.0");
        assertThat(offset(url)).isEqualTo(100_000);
        assertThat(keptBytes(id(url))).isEqualTo(100_000);
        patch(url, 100_000, second, "sha1 " + b64(MessageDigest.getInstance("SHA-1").digest(second)))
                .then().statusCode(204).header("Upload-Offset", "200000");
        patch(url, 0, first, null).then().statusCode(409).body("detail", containsString("200000"));
        patch(url, 200_000, second, "md5 AAAA").then().statusCode(400);
    }

    @Test
    void terminationDeletesTheUploadAndItsBytes() throws Exception {
        String url = createRaw(1_000_000);
        patch(url, 0, new byte[50_000], null).then().statusCode(204);
        assertThat(keptBytes(id(url))).isEqualTo(50_000);
        given().header("Tus-Resumable", "1.0.0").delete(url).then().statusCode(204);
        assertThat(keptBytes(id(url))).as("bytes kept").isEqualTo(-1);
        given().header("Tus-Resumable", "1.0.0").head(url).then().statusCode(404);
        assertThat(Db.count(db, "select count(*) from resumable_upload where id = ?", id(url))).isZero();
    }

    @Test
    void expiredUploadsAreSwept() throws Exception {
        String url = createRaw(1_000_000);
        patch(url, 0, new byte[10_000], null).then().statusCode(204)
                .header("Upload-Expires", containsString("GMT"));
        Db.update(db, "update resumable_upload set expires_at = now() - interval '1 minute' where id = ?", id(url));
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(Db.count(db, "select count(*) from resumable_upload where id = ?", id(url))).isZero();
            assertThat(keptBytes(id(url))).as("bytes kept").isEqualTo(-1);
        });
        given().header("Tus-Resumable", "1.0.0").head(url).then().statusCode(404);
    }

    @Test
    void aSecondWriterIsLockedOutWhileAPatchIsInFlight() throws Exception {
        String url = createRaw(1_000_000);
        try (Socket slow = new Socket(creation.getHost(), creation.getPort())) {
            OutputStream out = slow.getOutputStream();
            out.write(("PATCH " + new URL(url).getPath() + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + Api.AUTHORIZATION + "\r\nTus-Resumable: 1.0.0\r\n"
                    + "Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: 1000000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[10_000]);
            out.flush();
            Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> Db.string(db, "select lock_owner from resumable_upload where id = ?", id(url)) != null);
            patch(url, 0, new byte[1000], null).then().statusCode(423).contentType("application/problem+json");
        }
        // The dropped writer's bytes are kept and its lock released: the upload goes on from there.
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> offset(url) == 10_000);
        patch(url, 10_000, new byte[1000], null).then().statusCode(204).header("Upload-Offset", "11000");
    }

    @Test
    void finishedUploadThatIsNotAnMp4ReportsTheValidationError() throws Exception {
        byte[] text = "definitely not a video file, just text".repeat(100).getBytes();
        String url = createRaw(text.length);
        patch(url, 0, text, null).then().statusCode(415).contentType("application/problem+json")
                .body("detail", containsString("not an ISO-BMFF"));
        given().get(url).then().statusCode(200).body("status", equalTo("FAILED")).body("error_status", equalTo(415))
                .body("error", containsString("not an ISO-BMFF"));
        assertThat(keptBytes(id(url))).as("bytes kept").isEqualTo(-1);
    }

    @Test
    void creationWithUploadOfAWholeNonMp4AnswersTheValidationProblem() {
        byte[] text = "definitely not a video file, just text".repeat(100).getBytes();
        Response answer = given().header("Tus-Resumable", "1.0.0").header("Upload-Length", text.length)
                .contentType("application/offset+octet-stream").body(text).post(creation.toString());
        answer.then().statusCode(415).contentType("application/problem+json").body("detail", containsString("not an ISO-BMFF"));
        String url = answer.header("Location");
        assertThat(url).as("Location of the failed upload").isNotNull();
        given().get(url).then().statusCode(200).body("status", equalTo("FAILED")).body("error_status", equalTo(415));
        assertThat(keptBytes(id(url))).as("bytes kept").isEqualTo(-1);
    }

    @Test
    void malformedMetadataIsRefusedWith400BeforeAnythingIsCreated() throws Exception {
        long rows = Db.count(db, "select count(*) from resumable_upload");
        long files = keptUploads();
        for (String metadata : new String[] {
                "filename " + b64("bad\0name.mp4".getBytes(StandardCharsets.UTF_8)),
                "filename " + b64(("a".repeat(296) + ".mp4").getBytes(StandardCharsets.UTF_8)),
                "filetype " + b64(("video/" + "x".repeat(194)).getBytes(StandardCharsets.UTF_8)),
                "filename " + b64(new byte[] { (byte) 0xff, (byte) 0xfe }),
                "filename not-base64!" }) {
            given().header("Tus-Resumable", "1.0.0").header("Upload-Length", 1000).header("Upload-Metadata", metadata)
                    .post(creation.toString()).then().statusCode(400).contentType("application/problem+json")
                    .body("type", equalTo("urn:vodpack:problem:malformed-metadata"));
        }
        assertThat(Db.count(db, "select count(*) from resumable_upload")).isEqualTo(rows);
        assertThat(keptUploads()).isEqualTo(files);
        // the longest accepted values still fit
        given().header("Tus-Resumable", "1.0.0").header("Upload-Length", 1000)
                .header("Upload-Metadata", "filename " + b64(("é".repeat(251) + ".mp4").getBytes(StandardCharsets.UTF_8))
                        + ",filetype " + b64(("video/" + "x".repeat(122)).getBytes(StandardCharsets.UTF_8)))
                .post(creation.toString()).then().statusCode(201);
    }

    @Test
    void partialFilesWithoutAnUploadAreSweptOnceStale() throws Exception {
        FileTime anHourAgo = FileTime.from(Instant.now().minus(Duration.ofHours(1)));
        Path orphan = Files.writeString(storage.resumableFile("00000000-0000-0000-0000-000000000000"), "no row");
        Files.setLastModifiedTime(orphan, anHourAgo);
        Path fresh = Files.writeString(storage.resumableFile("00000000-0000-0000-0000-000000000001"), "creation under way");
        String url = createRaw(1_000_000);
        patch(url, 0, new byte[10_000], null).then().statusCode(204);
        Path idle = storage.resumableFile(id(url));
        Files.setLastModifiedTime(idle, anHourAgo);

        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(orphan).doesNotExist());
        assertThat(fresh).exists();
        assertThat(idle).as("an idle upload that has not expired keeps its bytes").exists();
        Files.delete(fresh);
    }

    @Test
    void aDatabaseFailureOnTheLastStepKeepsTheFileAndTheNextPatchCompletesIt() throws Exception {
        byte[] bytes = Files.readAllBytes(TestMedia.h264Aac());
        // A trigger made by the test: inserting this upload's input fails until the trigger is dropped.
        Db.update(db, "create or replace function refuse_db_fault_input() returns trigger language plpgsql as $$"
                + " begin if new.original_filename = 'db-fault.mp4' then raise exception 'injected fault'; end if;"
                + " return new; end $$");
        Db.update(db, "create trigger refuse_db_fault_input before insert on input_content for each row"
                + " execute function refuse_db_fault_input()");
        String url;
        try {
            Response created = given().header("Tus-Resumable", "1.0.0").header("Upload-Length", bytes.length)
                    .header("Upload-Metadata", "filename " + b64("db-fault.mp4".getBytes())).post(creation.toString());
            url = created.header("Location");
            patch(url, 0, bytes, null).then().statusCode(503).contentType("application/problem+json")
                    .header("Retry-After", "2").body("detail", containsString("empty body"));
            assertThat(keptBytes(id(url))).as("the complete file is kept").isEqualTo(bytes.length);
            given().get(url).then().statusCode(200).body("status", equalTo("UPLOADING"))
                    .body("offset", equalTo(bytes.length));
            // still failing: the retry is refused the same way and keeps the file again
            patch(url, bytes.length, new byte[0], null).then().statusCode(503);
            assertThat(keptBytes(id(url))).isEqualTo(bytes.length);
        } finally {
            Db.update(db, "drop trigger if exists refuse_db_fault_input on input_content");
            Db.update(db, "drop function if exists refuse_db_fault_input()");
        }
        // HEAD, then the last step again with an empty body
        assertThat(offset(url)).isEqualTo(bytes.length);
        patch(url, bytes.length, new byte[0], null).then().statusCode(204)
                .header("Upload-Input-Content-Id", org.hamcrest.Matchers.notNullValue());
        assertStoredExactly(inputOf(url), TestMedia.h264Aac(), "db-fault.mp4");
        assertThat(keptBytes(id(url))).as("bytes kept").isEqualTo(-1);
    }

    @Test
    void protocolErrorsAreClear() {
        given().header("Upload-Length", "10").post(creation.toString()).then().statusCode(412).header("Tus-Version", "1.0.0");
        given().header("Tus-Resumable", "1.0.0").post(creation.toString()).then().statusCode(400);
        given().header("Tus-Resumable", "1.0.0").header("Upload-Length", "99999999999999").post(creation.toString())
                .then().statusCode(413);
        given().options(creation.toString()).then().statusCode(204).header("Tus-Version", "1.0.0")
                .header("Tus-Extension", containsString("checksum")).header("Tus-Checksum-Algorithm", "sha1,sha256");
    }

    // --- helpers

    protected String createRaw(long length) {
        Response created = given().header("Tus-Resumable", "1.0.0").header("Upload-Length", length)
                .header("Upload-Metadata", "filename " + b64("clip.mp4".getBytes())).post(creation.toString());
        created.then().statusCode(201).header("Upload-Offset", "0");
        return created.header("Location");
    }

    protected static Response patch(String url, long offset, byte[] body, String checksum) {
        var request = given().header("Tus-Resumable", "1.0.0").header("Upload-Offset", offset)
                .contentType("application/offset+octet-stream").body(body);
        if (checksum != null) {
            request.header("Upload-Checksum", checksum);
        }
        return request.patch(url);
    }

    protected static long offset(String url) {
        return Long.parseLong(given().header("Tus-Resumable", "1.0.0").head(url).header("Upload-Offset"));
    }

    private static long inputOf(String url) {
        Response head = given().header("Tus-Resumable", "1.0.0").head(url);
        head.then().statusCode(200).header("Upload-Status", "COMPLETE");
        long input = Long.parseLong(head.header("Upload-Input-Content-Id"));
        given().get(url).then().statusCode(200).body("input_content_id", equalTo((int) input));
        return input;
    }

    private void assertStoredExactly(long input, Path source, String filename) throws Exception {
        byte[] bytes = Files.readAllBytes(source);
        Response row = given().get("/input_content/" + input);
        row.then().statusCode(200).body("sha256", equalTo(HexFormat.of().formatHex(sha256(bytes))))
                .body("size_bytes", equalTo(bytes.length)).body("audio_codec", equalTo("mp4a.40.2"));
        if (filename != null) {
            row.then().body("filename", equalTo(filename));
        }
        String storageName = Db.string(db, "select storage_name from input_content where id = ?", input);
        assertThat(StoredInputs.bytes(store, storageName)).isEqualTo(bytes);
    }

    /** Bytes the service keeps of an upload (its partial file); -1 when it keeps nothing. */
    protected long keptBytes(String id) {
        Path file = storage.resumableFile(id);
        try {
            return Files.exists(file) ? Files.size(file) : -1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until {@code sent} bytes of a PATCH still under way have reached the upload's partial file. */
    protected void awaitArrived(String id, long sent) {
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> keptBytes(id) == sent);
    }

    /** How many uploads have bytes kept (partial files). */
    protected long keptUploads() throws IOException {
        try (var files = Files.list(storage.resumableDir())) {
            return files.count();
        }
    }

    protected static String id(String url) {
        return url.substring(url.lastIndexOf('/') + 1);
    }

    private static byte[] sha256(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }
}
