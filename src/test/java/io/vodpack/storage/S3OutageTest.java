package io.vodpack.storage;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.notNullValue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.support.Api;
import io.vodpack.support.Background;
import io.vodpack.support.Db;
import io.vodpack.support.S3Server;
import io.vodpack.support.TestMedia;

/** The S3 server goes away and comes back: uploads get a 503 problem meanwhile, nothing half-stored stays, the service lives on. */
@QuarkusTest
@TestProfile(OwnS3ServerProfile.class)
class S3OutageTest {

    @Inject
    AgroalDataSource db;

    @Inject
    ContentStorage scratch;

    @TestHTTPResource("/")
    URL base;

    /**
     * The S3 server goes away while a body is on its way into the bucket (one streamed PUT): the client is answered 503,
     * and once the server is back nothing of that upload is in the bucket, on the scratch disk or in the database.
     */
    @Test
    void anUploadCutOffByTheS3ServerGoingAwayGets503AndNothingStaysOnceItIsBack() throws Exception {
        TestMedia.assumeFfmpeg();
        S3Server s3 = OwnS3ServerProfile.server();
        byte[] source = Files.readAllBytes(TestMedia.h264AacLong());
        Before before = before(s3);
        String status;
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = sendHalf(socket, source, s3, before.bytes());
            s3.stop();
            status = sendRestAndReadStatus(socket, out, source);
        } finally {
            s3.start();
        }
        assertThat(status).as("the answer to the cut-off upload").startsWith("HTTP/1.1 503");
        given().get("/input_content").then().statusCode(200);
        nothingOfTheUploadStays(s3, before);
    }

    /**
     * Once the S3 server answers again: no row, no object and no open multipart upload of the refused upload, nothing on
     * the scratch disk. S3Proxy, stopped while it received the PUT, leaves what it had written as an object of another
     * name (an S3 server that stays up completes a PUT whole or not at all): no row names it, so the upload sweeper
     * removes it.
     */
    private void nothingOfTheUploadStays(S3Server s3, Before before) throws IOException {
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
        assertThat(Db.count(db, "select count(*) from input_content")).isEqualTo(before.inputs());
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> assertThat(
                s3.keys(OwnS3ServerProfile.BUCKET, "inputs/")).as("no object of the refused upload").isEqualTo(before.objects()));
        assertThat(s3.openMultipartUploads(OwnS3ServerProfile.BUCKET)).isZero();
        try (var incoming = Files.list(scratch.incomingDir())) {
            assertThat(incoming).as("no local leftovers").isEmpty();
        }
    }

    /**
     * The S3 server freezes while a body is on its way into the bucket: it keeps the connection but takes no more
     * bytes. The client is answered 503 once the server has been silent for {@code vodpack.storage.s3.timeout}, the
     * service answers other requests meanwhile, and once the server goes on nothing of that upload stays.
     */
    @Test
    @Timeout(180)
    void anUploadTheS3ServerStopsTakingGets503InTimeAndNothingStaysOnceItGoesOn() throws Exception {
        TestMedia.assumeFfmpeg();
        S3Server s3 = OwnS3ServerProfile.server();
        byte[] source = Files.readAllBytes(TestMedia.h264AacLong());
        Before before = before(s3);
        String status;
        Duration answeredAfter;
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(60_000);
            OutputStream out = sendHalf(socket, source, s3, before.bytes());
            s3.pause();
            long frozen = System.nanoTime();
            try {
                Background.run(() -> given().get("/input_content").then().statusCode(200)).get(20, TimeUnit.SECONDS);
                status = sendRestAndReadStatus(socket, out, source);
                answeredAfter = Duration.ofNanos(System.nanoTime() - frozen);
            } finally {
                s3.resume();
            }
        }
        assertThat(status).as("the answer to the upload the bucket stopped taking").startsWith("HTTP/1.1 503");
        assertThat(answeredAfter).as("answered once the bucket was silent for the timeout, not minutes later")
                .isLessThan(OwnS3ServerProfile.TIMEOUT.multipliedBy(4).plusSeconds(5));
        nothingOfTheUploadStays(s3, before);
    }

    /**
     * A resumable upload whose next PATCH must read back the bytes the last one left (its tail object) while the S3
     * server is down: 503 with the offset unchanged, and the same PATCH once the server is back completes the upload.
     */
    @Test
    void aResumedUploadWhileTheS3ServerIsDownGets503AndGoesOnOnceItIsBack() throws Exception {
        TestMedia.assumeFfmpeg();
        S3Server s3 = OwnS3ServerProfile.server();
        byte[] source = Files.readAllBytes(TestMedia.h264Aac());
        int first = source.length / 3;
        String url = given().header("Tus-Resumable", "1.0.0").header("Upload-Length", String.valueOf(source.length))
                .post("/files").then().statusCode(201).extract().header("Location");
        patch(url, 0, Arrays.copyOfRange(source, 0, first)).then().statusCode(204).header("Upload-Offset", String.valueOf(first));
        byte[] rest = Arrays.copyOfRange(source, first, source.length);
        s3.stop();
        try {
            patch(url, first, rest).then().statusCode(503).contentType("application/problem+json")
                    .header("Retry-After", notNullValue());
            given().header("Tus-Resumable", "1.0.0").head(url).then().statusCode(200)
                    .header("Upload-Offset", String.valueOf(first));
        } finally {
            s3.start();
        }
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
        patch(url, first, rest).then().statusCode(204).header("Upload-Offset", String.valueOf(source.length));
        long input = Long.parseLong(given().header("Tus-Resumable", "1.0.0").head(url).then().statusCode(200).extract()
                .header("Upload-Input-Content-Id"));
        String name = Db.string(db, "select storage_name from input_content where id = ?", input);
        assertThat(s3.bytes(OwnS3ServerProfile.BUCKET, "inputs/" + name)).isEqualTo(source);
    }

    private static io.restassured.response.Response patch(String url, long offset, byte[] bytes) {
        return given().header("Tus-Resumable", "1.0.0").header("Upload-Offset", String.valueOf(offset))
                .contentType("application/offset+octet-stream").body(bytes).patch(url);
    }

    /**
     * A DONE job deleted while the S3 server is down: the content is gone at once (204, then 404), and the objects
     * the storage could not delete then are swept once the server is back.
     */
    @Test
    void aJobDeletedWhileTheS3ServerIsDownIsGoneAndItsObjectsAreSweptOnceItIsBack() throws Exception {
        TestMedia.assumeFfmpeg();
        S3Server s3 = OwnS3ServerProfile.server();
        long job = Api.startPackaging(Api.upload(TestMedia.h264Aac()), "hyN9IKGfWKdAwFaE5pm0qg", "oW5AK5BW43HzbTSKpiu3SQ");
        Api.awaitFinished(job, Duration.ofSeconds(90)).then().statusCode(200);
        String folder = Db.string(db, "select output_folder from packaging_job where id = ?", job);
        assertThat(s3.keys(OwnS3ServerProfile.BUCKET, "packaged/" + folder + "/")).isNotEmpty();
        s3.stop();
        try {
            given().delete("/packaged_content/" + job).then().statusCode(204);
            given().get("/packaged_content/" + job).then().statusCode(404);
        } finally {
            s3.start();
        }
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(s3.keys(OwnS3ServerProfile.BUCKET, "packaged/" + folder + "/")).as("swept").isEmpty());
    }

    /**
     * A job whose input the worker cannot read because the S3 server is down waits in the queue without using up its
     * attempts (here more than {@code max-attempts} backoffs pass), and is packaged once the server is back.
     */
    @Test
    void aJobWaitsWithoutLosingAttemptsWhileTheS3ServerIsDown() throws Exception {
        TestMedia.assumeFfmpeg();
        S3Server s3 = OwnS3ServerProfile.server();
        long input = Api.upload(TestMedia.h264Aac());
        s3.stop();
        long job;
        try {
            job = Api.startPackaging(input, "hyN9IKGfWKdAwFaE5pm0qg", "oW5AK5BW43HzbTSKpiu3SQ");
            long id = job;
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                    Db.string(db, "select coalesce(error_detail, '') from packaging_job where id = ?", id).contains("stays queued"));
            // the test profile's backoff is 1 s and max-attempts 3: five backoffs would have failed a counted job, which
            // is tried again each second meanwhile (QUEUED between its attempts, RUNNING during one)
            Thread.sleep(5_000);
            given().get("/packaged_content/" + job).then().statusCode(202)
                    .body("status", org.hamcrest.Matchers.oneOf("QUEUED", "RUNNING"));
            assertThat(Db.count(db, "select attempts from packaging_job where id = ?", job)).as("attempts counted")
                    .isLessThanOrEqualTo(1);
        } finally {
            s3.start();
        }
        Api.awaitFinished(job, Duration.ofSeconds(90)).then().statusCode(200);
    }

    /** Sends the second half of the body {@link #sendHalf} began, and returns the answer's status line. */
    private static String sendRestAndReadStatus(Socket socket, OutputStream out, byte[] source) throws IOException {
        try {
            out.write(source, source.length / 2, source.length - source.length / 2);
            out.flush();
        } catch (IOException answeredEarly) {
            // the service may answer and close before the rest is sent
        }
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }

    /** What the database and the S3 server hold before an upload: input rows, input objects, bytes on its disk. */
    private record Before(long inputs, List<String> objects, long bytes) {
    }

    private Before before(S3Server s3) throws IOException {
        return new Before(Db.count(db, "select count(*) from input_content"), s3.keys(OwnS3ServerProfile.BUCKET, "inputs/"),
                bytesOnTheServer(s3));
    }

    /** Sends the headers and half the body of a single-request upload; returns once a quarter is on the S3 server. */
    private static OutputStream sendHalf(Socket socket, byte[] source, S3Server s3, long bytesBefore) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("POST /upload_input_content HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + Api.AUTHORIZATION
                + "\r\nContent-Type: video/mp4\r\nContent-Length: " + source.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(source, 0, source.length / 2);
        out.flush();
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> bytesOnTheServer(s3) - bytesBefore >= source.length / 4);
        return out;
    }

    /** Bytes in the bucket's folder on the S3 server's disk, objects being written included. */
    private static long bytesOnTheServer(S3Server s3) throws IOException {
        Path bucket = s3.files(OwnS3ServerProfile.BUCKET);
        if (!Files.isDirectory(bucket)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(bucket)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    @Test
    void anUploadWhileTheS3ServerIsDownGets503AndNothingIsStored() throws Exception {
        TestMedia.assumeFfmpeg();
        S3Server s3 = OwnS3ServerProfile.server();
        long inputsBefore = Db.count(db, "select count(*) from input_content");
        List<String> objectsBefore = s3.keys(OwnS3ServerProfile.BUCKET, "inputs/");
        s3.stop();
        try {
            given().contentType("video/mp4").body(Files.readAllBytes(TestMedia.h264Aac())).post("/upload_input_content")
                    .then().statusCode(503).contentType("application/problem+json")
                    .header("Retry-After", "10").body("detail", containsString("nothing was stored"));
            given().get("/q/health/ready").then().statusCode(503).body(containsString("storage"));
            // The service itself stays up: its API answers.
            given().get("/input_content").then().statusCode(200);
        } finally {
            s3.start();
        }
        assertThat(Db.count(db, "select count(*) from input_content")).isEqualTo(inputsBefore);
        try (var incoming = Files.list(scratch.incomingDir())) {
            assertThat(incoming).as("no local leftovers").isEmpty();
        }
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
        assertThat(s3.keys(OwnS3ServerProfile.BUCKET, "inputs/")).as("nothing half-stored in the bucket").isEqualTo(objectsBefore);
        assertThat(s3.openMultipartUploads(OwnS3ServerProfile.BUCKET)).isZero();
        long input = Api.upload(TestMedia.h264Aac());
        String name = Db.string(db, "select storage_name from input_content where id = ?", input);
        assertThat(s3.keys(OwnS3ServerProfile.BUCKET, "inputs/")).contains("inputs/" + name).hasSize(objectsBefore.size() + 1);
    }
}
