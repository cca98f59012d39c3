package io.vodpack.storage;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.support.Api;
import io.vodpack.support.Db;
import io.vodpack.support.S3Server;
import io.vodpack.support.TestMedia;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/**
 * Uploads to a bucket stream there as they arrive, a body of known length as one PUT and others part by part (5 MiB
 * parts here, files of several parts): the object holds the exact bytes, nothing is copied to the local disk, an
 * aborted upload leaves no object, no bytes on the server and no open multipart upload, the MP4 check reads the object by ranges (moov at the end), and a stale multipart upload is
 * aborted by the sweeper while one a resumable upload goes on with is kept.
 */
@QuarkusTest
@TestProfile(S3PartsProfile.class)
class S3StreamingUploadTest {

    static final String BUCKET = S3PartsProfile.BUCKET;
    static final int PART = S3PartsProfile.PART_SIZE;

    @Inject
    AgroalDataSource db;

    @Inject
    ContentStorage scratch;

    @TestHTTPResource("/")
    URL base;

    final S3Server s3 = S3Server.shared();

    @Test
    void aRawUploadOfKnownLengthIsOnePutAndStoredWithItsExactBytesAndSha256() throws Exception {
        byte[] source = Files.readAllBytes(TestMedia.h264AacMoovAtEnd());
        assertThat(source.length).as("the file spans three parts").isGreaterThan(2 * PART);
        assertThat(lastBoxType(source)).as("moov at the end").isEqualTo("moov");
        List<String> openBefore = openUploads().stream().map(MultipartUpload::uploadId).toList();
        Response answer = given().contentType("video/mp4").body(source).post("/upload_input_content");
        String name = storedAs(answer, source);
        String etag = s3.client().headObject(b -> b.bucket(BUCKET).key("inputs/" + name)).join().eTag();
        assertThat(etag).as("written by one PUT, not assembled from parts").doesNotContain("-");
        assertThat(newUploads(openBefore)).isEmpty();
    }

    @Test
    void aMultipartFormUploadGoesToTheBucketInPartsAndIsStoredWithItsExactBytes() throws Exception {
        byte[] source = Files.readAllBytes(TestMedia.h264AacMoovAtEnd());
        Response answer = given().multiPart("file", "trailer.mp4", source, "video/mp4").post("/upload_input_content");
        String name = storedAs(answer, source);
        String etag = s3.client().headObject(b -> b.bucket(BUCKET).key("inputs/" + name)).join().eTag();
        assertThat(etag).as("an object assembled from 3 parts").endsWith("-3\"");
        assertThat(openUploads()).extracting(MultipartUpload::key).doesNotContain("inputs/" + name);
    }

    /** Checks a 201 for {@code source} and the object it names; returns the object's name. */
    private String storedAs(Response answer, byte[] source) throws Exception {
        answer.then().statusCode(201).body("sha256", equalTo(sha256Hex(source))).body("size_bytes", equalTo(source.length))
                .body("width", equalTo(1280)).body("height", equalTo(720));
        long id = answer.jsonPath().getLong("input_content_id");
        String name = Db.string(db, "select storage_name from input_content where id = ?", id);
        assertThat(s3.bytes(BUCKET, "inputs/" + name)).isEqualTo(source);
        assertThat(scratchFiles()).as("nothing written to the local disk").isEmpty();
        return name;
    }

    @Test
    void aClientThatAbortsAOnePutUploadHalfwayLeavesNoObjectOnTheServer() throws Exception {
        byte[] source = Files.readAllBytes(TestMedia.h264AacMoovAtEnd());
        List<String> objectsBefore = s3.keys(BUCKET, "inputs/");
        long rowsBefore = Db.count(db, "select count(*) from input_content");
        int sent = 2 * PART + PART / 2;
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /upload_input_content HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + Api.AUTHORIZATION
                    + "\r\nContent-Type: video/mp4\r\nContent-Length: " + source.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(source, 0, sent);
            out.flush();
            // The body reaches the S3 server while it is still arriving; the local disk holds none of it.
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> bytesOnTheServer(objectsBefore) >= 2L * PART);
            assertThat(scratchFiles()).as("no local copy of the body").isEmpty();
        }
        Awaitility.await().atMost(Duration.ofMillis(2500)).pollInterval(Duration.ofMillis(100))
                .until(() -> bytesOnTheServer(objectsBefore) == 0);
        assertThat(s3.keys(BUCKET, "inputs/")).isEqualTo(objectsBefore);
        assertThat(Db.count(db, "select count(*) from input_content")).isEqualTo(rowsBefore);
    }

    @Test
    void aOnePutUploadWhoseDigestDoesNotMatchNeverBecomesAnObject() throws Exception {
        byte[] source = Files.readAllBytes(TestMedia.h264AacMoovAtEnd());
        List<String> objectsBefore = s3.keys(BUCKET, "inputs/");
        long rowsBefore = Db.count(db, "select count(*) from input_content");
        long cutShortBefore = putsCutShort();
        byte[] wrong = MessageDigest.getInstance("SHA-256").digest("something else".getBytes(StandardCharsets.UTF_8));
        given().contentType("video/mp4").header("Content-Digest", "sha-256=:" + Base64.getEncoder().encodeToString(wrong) + ":")
                .body(source).post("/upload_input_content").then().statusCode(400)
                .contentType("application/problem+json").body("type", equalTo("urn:vodpack:problem:digest-mismatch"));
        // The body's last byte never reached the S3 server, so it kept nothing: not even for a moment.
        Awaitility.await().atMost(Duration.ofMillis(2500)).pollInterval(Duration.ofMillis(100))
                .until(() -> bytesOnTheServer(objectsBefore) == 0);
        Thread.sleep(500);
        assertThat(bytesOnTheServer(objectsBefore)).isZero();
        assertThat(s3.keys(BUCKET, "inputs/")).isEqualTo(objectsBefore);
        assertThat(Db.count(db, "select count(*) from input_content")).isEqualTo(rowsBefore);
        assertThat(putsCutShort()).as("the S3 server saw the PUT end before its last byte").isGreaterThan(cutShortBefore);
    }

    /** PUTs whose body the S3 server saw end early, from its log. */
    private long putsCutShort() throws IOException {
        String log = Files.readString(s3.files(BUCKET).getParent().getParent().resolve("s3proxy.log"));
        return log.lines().filter(line -> line.contains("EofException: Early EOF")).count();
    }

    /**
     * Bytes the S3 server holds on its disk under the bucket's inputs/ in files other than the objects {@code before}: a
     * PUT in progress (S3Proxy writes it to a file beside the object's), or what it left.
     */
    private long bytesOnTheServer(List<String> before) throws IOException {
        Path inputs = s3.files(BUCKET).resolve("inputs");
        if (!Files.isDirectory(inputs)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(inputs)) {
            return files.filter(Files::isRegularFile).filter(f -> !before.contains("inputs/" + inputs.relativize(f)))
                    .mapToLong(f -> f.toFile().length()).sum();
        }
    }

    @Test
    void aClientThatAbortsAChunkedUploadHalfwayLeavesNoObjectAndNoOpenMultipartUpload() throws Exception {
        byte[] source = Files.readAllBytes(TestMedia.h264AacMoovAtEnd());
        List<String> objectsBefore = s3.keys(BUCKET, "inputs/");
        List<String> openBefore = openUploads().stream().map(MultipartUpload::uploadId).toList();
        long rowsBefore = Db.count(db, "select count(*) from input_content");
        int sent = 2 * PART + PART / 2;
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /upload_input_content HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + Api.AUTHORIZATION
                    + "\r\nContent-Type: video/mp4\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            for (int at = 0; at < sent; at += 65536) {
                int n = Math.min(65536, sent - at);
                out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(source, at, n);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
            // A body of unknown length goes in parts, which reach the bucket while it is still arriving.
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> partsUploaded(openBefore) >= 2);
            assertThat(scratchFiles()).as("no local copy of the body").isEmpty();
        }
        // Aborted at once by the service (the sweeper would wait for the part to be 3 s old).
        Awaitility.await().atMost(Duration.ofMillis(2500)).pollInterval(Duration.ofMillis(100))
                .until(() -> newUploads(openBefore).isEmpty());
        assertThat(s3.keys(BUCKET, "inputs/")).isEqualTo(objectsBefore);
        assertThat(Db.count(db, "select count(*) from input_content")).isEqualTo(rowsBefore);
    }

    @Test
    void aFileOfSeveralPartsThatIsNotAnMp4IsRefusedAndLeavesNoObject() throws Exception {
        byte[] junk = new byte[2 * PART + 12345];
        new Random(7).nextBytes(junk);
        List<String> objectsBefore = s3.keys(BUCKET, "inputs/");
        List<String> openBefore = openUploads().stream().map(MultipartUpload::uploadId).toList();
        long rowsBefore = Db.count(db, "select count(*) from input_content");
        given().contentType("video/mp4").body(junk).post("/upload_input_content").then().statusCode(415)
                .contentType("application/problem+json").body("detail", containsString("not an ISO-BMFF"));
        assertThat(s3.keys(BUCKET, "inputs/")).isEqualTo(objectsBefore);
        assertThat(newUploads(openBefore)).isEmpty();
        assertThat(Db.count(db, "select count(*) from input_content")).isEqualTo(rowsBefore);
    }

    @Test
    void aResumableUploadKeepsItsPartsAndTailInTheBucketAndCompletesWithItsSha256() throws Exception {
        byte[] source = Files.readAllBytes(TestMedia.h264AacMoovAtEnd());
        String url = createUpload(source.length);
        String id = url.substring(url.lastIndexOf('/') + 1);
        int chunk = 3 << 20;
        // 3 MiB: less than a part, all of it in the tail object
        patch(url, 0, Arrays.copyOfRange(source, 0, chunk)).then().statusCode(204).header("Upload-Offset", String.valueOf(chunk));
        assertThat(Db.string(db, "select multipart_id from resumable_upload where id = ?", id)).isNull();
        assertThat(s3.keys(BUCKET, "resumable/" + id + "/")).containsExactly("resumable/" + id + "/tail-" + chunk);
        // 6 MiB: one part (the old tail and 2 MiB more), and a new 1 MiB tail; the old tail is gone
        patch(url, chunk, Arrays.copyOfRange(source, chunk, 2 * chunk)).then().statusCode(204);
        assertThat(Db.string(db, "select multipart_id from resumable_upload where id = ?", id)).isNotNull();
        assertThat(Db.string(db, "select part_etags from resumable_upload where id = ?", id).split("\n")).hasSize(1);
        assertThat(s3.keys(BUCKET, "resumable/" + id + "/")).containsExactly("resumable/" + id + "/tail-" + 2 * chunk);
        assertThat(s3.bytes(BUCKET, "resumable/" + id + "/tail-" + 2 * chunk))
                .isEqualTo(Arrays.copyOfRange(source, PART, 2 * chunk));
        assertThat(scratchFiles()).as("no local partial file").isEmpty();
        // the rest in one PATCH
        patch(url, 2 * chunk, Arrays.copyOfRange(source, 2 * chunk, source.length)).then().statusCode(204)
                .header("Upload-Input-Content-Id", notNullValue());
        long input = Long.parseLong(given().header("Tus-Resumable", "1.0.0").head(url).header("Upload-Input-Content-Id"));
        assertThat(Db.string(db, "select sha256 from input_content where id = ?", input)).isEqualTo(sha256Hex(source));
        String name = Db.string(db, "select storage_name from input_content where id = ?", input);
        assertThat(s3.bytes(BUCKET, "inputs/" + name)).isEqualTo(source);
        assertThat(s3.keys(BUCKET, "resumable/" + id + "/")).as("tails removed").isEmpty();
        assertThat(openUploads()).extracting(MultipartUpload::key).doesNotContain("inputs/" + name);
    }

    @Test
    void terminationAbortsTheMultipartUploadAndRemovesTheTail() throws Exception {
        byte[] source = Files.readAllBytes(TestMedia.h264AacMoovAtEnd());
        String url = createUpload(source.length);
        String id = url.substring(url.lastIndexOf('/') + 1);
        patch(url, 0, Arrays.copyOfRange(source, 0, PART + 1000)).then().statusCode(204);
        String multipart = Db.string(db, "select multipart_id from resumable_upload where id = ?", id);
        assertThat(openUploads()).extracting(MultipartUpload::uploadId).contains(multipart);
        given().header("Tus-Resumable", "1.0.0").delete(url).then().statusCode(204);
        assertThat(openUploads()).extracting(MultipartUpload::uploadId).doesNotContain(multipart);
        assertThat(s3.keys(BUCKET, "resumable/" + id + "/")).isEmpty();
    }

    @Test
    void theSweeperAbortsAStaleMultipartUploadButNotOneAResumableUploadGoesOnWith() throws Exception {
        byte[] source = Files.readAllBytes(TestMedia.h264AacMoovAtEnd());
        // left open by an instance that died: one part, then nothing
        String leftOpen = s3.client().createMultipartUpload(b -> b.bucket(BUCKET).key("inputs/left-open.mp4")).join().uploadId();
        s3.client().uploadPart(b -> b.bucket(BUCKET).key("inputs/left-open.mp4").uploadId(leftOpen).partNumber(1),
                AsyncRequestBody.fromBytes(new byte[1000])).join();
        // a resumable upload idle after its first part
        String url = createUpload(source.length);
        String id = url.substring(url.lastIndexOf('/') + 1);
        patch(url, 0, Arrays.copyOfRange(source, 0, PART + 1000)).then().statusCode(204);
        String resumable = Db.string(db, "select multipart_id from resumable_upload where id = ?", id);

        Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                .until(() -> openUploads().stream().noneMatch(u -> u.uploadId().equals(leftOpen)));
        assertThat(openUploads()).extracting(MultipartUpload::uploadId).contains(resumable);
        patch(url, PART + 1000, Arrays.copyOfRange(source, PART + 1000, source.length)).then().statusCode(204);
        long input = Long.parseLong(given().header("Tus-Resumable", "1.0.0").head(url).header("Upload-Input-Content-Id"));
        assertThat(Db.string(db, "select sha256 from input_content where id = ?", input)).isEqualTo(sha256Hex(source));
    }

    // --- helpers

    private List<MultipartUpload> openUploads() {
        return s3.client().listMultipartUploads(b -> b.bucket(BUCKET)).join().uploads();
    }

    private List<MultipartUpload> newUploads(List<String> before) {
        return openUploads().stream().filter(u -> !before.contains(u.uploadId())).toList();
    }

    /** Parts uploaded so far to the one multipart upload opened since {@code before} (0 when there is none). */
    private int partsUploaded(List<String> before) {
        List<MultipartUpload> open = newUploads(before);
        if (open.size() != 1) {
            return 0;
        }
        // the sweeper may abort another test's stale upload between the two listings: then ask again
        return s3.client().listParts(b -> b.bucket(BUCKET).key(open.get(0).key()).uploadId(open.get(0).uploadId()))
                .handle((parts, failure) -> failure == null ? parts.parts().size() : 0).join();
    }

    /** Regular files anywhere under the local scratch folder. */
    private List<Path> scratchFiles() throws IOException {
        try (Stream<Path> files = Files.walk(scratch.root())) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    private String createUpload(long length) {
        Response created = given().header("Tus-Resumable", "1.0.0").header("Upload-Length", length).post("/files/");
        created.then().statusCode(201);
        return created.header("Location");
    }

    private static Response patch(String url, long offset, byte[] body) {
        return given().header("Tus-Resumable", "1.0.0").header("Upload-Offset", offset)
                .contentType("application/offset+octet-stream").body(body).patch(url);
    }

    private static String lastBoxType(byte[] mp4) {
        int position = 0;
        String type = null;
        while (position + 8 <= mp4.length) {
            long size = Integer.toUnsignedLong(ByteBuffer.wrap(mp4, position, 4).getInt());
            type = new String(mp4, position + 4, 4, StandardCharsets.US_ASCII);
            position += (int) size;
        }
        return type;
    }

    private static String sha256Hex(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
