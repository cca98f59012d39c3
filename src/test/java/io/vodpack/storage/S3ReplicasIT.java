package io.vodpack.storage;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import io.restassured.http.ContentType;
import io.vodpack.support.Api;
import io.vodpack.support.S3Server;
import io.vodpack.support.ServiceProcess;
import io.vodpack.support.StreamCheck;
import io.vodpack.support.TestMedia;
import io.vodpack.support.ThrottlingProxy;

/**
 * Replicas that share one PostgreSQL schema and one bucket and nothing on disk: each has its own scratch folder.
 * Uploads and playback go through A (no workers); B packages, reaching the bucket through a slow uplink, and is
 * killed with SIGKILL in the middle of uploading the stream's objects; C takes the job over.
 */
class S3ReplicasIT {

    static final String SCHEMA = "vodpack_s3_replicas_it";
    static final String BUCKET = "vodpack-replicas";
    static final String KEY = "hyN9IKGfWKdAwFaE5pm0qg";
    static final String KID = "oW5AK5BW43HzbTSKpiu3SQ";
    static final String KEY_HEX = "87237d20a19f58a740c05684e699b4aa";
    static final String KID_HEX = "a16e402b9056e371f36d348aa62bb749";

    @Test
    void aJobWhoseWorkerIsKilledMidUploadIsTakenOverAndPlaysThroughAReplicaWithoutWorkers(@TempDir Path tmp) throws Exception {
        TestMedia.assumeFfmpeg();
        Path source = TestMedia.h264AacLong();
        try (S3Server s3 = S3Server.start("replicas-it");
                ThrottlingProxy uplink = ThrottlingProxy.start(s3.endpoint(), 64 * 1024)) {
            Map<String, String> apiOnly = settings(s3);
            apiOnly.put("vodpack.packaging.workers-enabled", "false");
            apiOnly.put("quarkus.flyway.clean-at-start", "true");
            try (ServiceProcess a = ServiceProcess.start("s3-replica-a", tmp.resolve("scratch-a"), apiOnly,
                    S3Server.credentialsEnvironment())) {
                long input = given().header("Authorization", Api.AUTHORIZATION).contentType("video/mp4")
                        .body(Files.readAllBytes(source)).post(a.url("/upload_input_content")).then()
                        .statusCode(201).extract().jsonPath().getLong("input_content_id");
                String inputName = column("input_content", input, "storage_name");
                assertThat(s3.keys(BUCKET, "inputs/")).containsExactly("inputs/" + inputName);
                long job = given().header("Authorization", Api.AUTHORIZATION).contentType(ContentType.JSON)
                        .body(Map.of("input_content_id", input, "key", KEY, "kid", KID)).post(a.url("/packaged_content"))
                        .then().statusCode(202).extract().jsonPath().getLong("packaged_content_id");

                // B reaches the bucket through a 64 KiB/s uplink: its stream's objects trickle in.
                Map<String, String> slowUplink = settings(s3);
                slowUplink.put("vodpack.storage.s3.endpoint", uplink.endpoint().toString());
                try (ServiceProcess b = ServiceProcess.start("s3-replica-b", tmp.resolve("scratch-b"), slowUplink,
                        S3Server.credentialsEnvironment())) {
                    // B claims the job, packages it and starts uploading the stream; it dies before the MPD is written.
                    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                            .until(() -> s3.keys(BUCKET, "packaged/" + job + "-1-").size() >= 2);
                    assertThat(s3.keys(BUCKET, "packaged/" + job + "-1-")).as("B is still uploading")
                            .noneMatch(k -> k.endsWith("/stream.mpd"));
                    assertThat(Files.exists(tmp.resolve("scratch-a").resolve("staging"))
                            && Files.list(tmp.resolve("scratch-a").resolve("staging")).findAny().isPresent())
                            .as("A runs no job").isFalse();
                    b.signal("KILL", true);
                }
                try (ServiceProcess c = ServiceProcess.start("s3-replica-c", tmp.resolve("scratch-c"), settings(s3),
                        S3Server.credentialsEnvironment())) {
                    Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                            .until(() -> !List.of("QUEUED", "RUNNING").contains(column("packaging_job", job, "status")));
                    assertThat(column("packaging_job", job, "status")).as(column("packaging_job", job, "error_detail"))
                            .isEqualTo("DONE");
                    // Attempt 1 was B's; on a loaded machine C may need more than one more (a lease lost to the load).
                    assertThat(Integer.parseInt(column("packaging_job", job, "attempts"))).isGreaterThanOrEqualTo(2);
                    assertThat(column("packaging_job", job, "output_folder")).doesNotStartWith(job + "-1-");
                    String live = column("packaging_job", job, "output_folder");
                    // Played through A, which has no workers and never saw the files on a disk.
                    String url = given().header("Authorization", Api.AUTHORIZATION).get(a.url("/packaged_content/" + job))
                            .then().statusCode(200).extract().path("url");
                    Document mpd = StreamCheck.parse(given().get(url).then().statusCode(200).extract().asByteArray());
                    for (String stream : List.of("video", "audio")) {
                        Path encrypted = StreamCheck.downloadTrack(url, mpd, stream, tmp);
                        Path decrypted = StreamCheck.decrypt(encrypted, stream, KID_HEX, KEY_HEX);
                        assertThat(StreamCheck.packetHashes(decrypted, stream)).as(stream)
                                .isEqualTo(StreamCheck.packetHashes(source, stream));
                    }
                    // After the sweep: only the live attempt's objects (B's half-uploaded attempt is gone), no open
                    // multipart upload, no scratch leftovers.
                    Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                        assertThat(s3.keys(BUCKET, "packaged/")).allMatch(k -> k.startsWith("packaged/" + live + "/"));
                        assertThat(Files.list(tmp.resolve("scratch-c").resolve("staging")).toList()).isEmpty();
                    });
                    assertThat(s3.keys(BUCKET, "packaged/" + live + "/")).contains("packaged/" + live + "/stream.mpd");
                    assertThat(s3.openMultipartUploads(BUCKET)).isZero();
                }
            }
        }
    }

    @Test
    void aResumableUploadStartedOnOneReplicaIsFinishedOnAnother(@TempDir Path tmp) throws Exception {
        TestMedia.assumeFfmpeg();
        byte[] source = Files.readAllBytes(TestMedia.h264AacMoovAtEnd());
        int part = 5 << 20;
        int first = part + (1 << 20);
        try (S3Server s3 = S3Server.start("resume-it")) {
            Map<String, String> settings = new HashMap<>(s3.serviceProperties(BUCKET));
            settings.put("db.schema", RESUME_SCHEMA);
            settings.put("quarkus.flyway.clean-disabled", "false");
            settings.put("vodpack.packaging.workers-enabled", "false");
            settings.put("vodpack.storage.s3.part-size", String.valueOf(part));
            settings.put("vodpack.upload.max-size", String.valueOf(64 << 20));
            Map<String, String> cleanFirst = new HashMap<>(settings);
            cleanFirst.put("quarkus.flyway.clean-at-start", "true");
            String id;
            try (ServiceProcess a = ServiceProcess.start("s3-resume-a", tmp.resolve("scratch-a"), cleanFirst,
                    S3Server.credentialsEnvironment())) {
                String location = given().header("Authorization", Api.AUTHORIZATION).header("Tus-Resumable", "1.0.0")
                        .header("Upload-Length", source.length).post(a.url("/files/")).then().statusCode(201)
                        .extract().header("Location");
                id = location.substring(location.lastIndexOf('/') + 1);
                // A receives one full part and 1 MiB more: a part in the multipart upload, the rest in the tail object
                given().header("Authorization", Api.AUTHORIZATION).header("Tus-Resumable", "1.0.0")
                        .header("Upload-Offset", 0).contentType("application/offset+octet-stream")
                        .body(Arrays.copyOfRange(source, 0, first)).patch(a.url("/files/" + id))
                        .then().statusCode(204).header("Upload-Offset", String.valueOf(first));
                assertThat(regularFiles(tmp.resolve("scratch-a"))).as("A keeps nothing on its disk").isEmpty();
            }
            // A is gone; B shares only the database and the bucket with it
            try (ServiceProcess b = ServiceProcess.start("s3-resume-b", tmp.resolve("scratch-b"), settings,
                    S3Server.credentialsEnvironment())) {
                String url = b.url("/files/" + id);
                given().header("Authorization", Api.AUTHORIZATION).header("Tus-Resumable", "1.0.0").head(url).then()
                        .statusCode(200).header("Upload-Offset", String.valueOf(first));
                given().header("Authorization", Api.AUTHORIZATION).header("Tus-Resumable", "1.0.0")
                        .header("Upload-Offset", 0).contentType("application/offset+octet-stream")
                        .body(new byte[10]).patch(url).then().statusCode(409);
                String input = given().header("Authorization", Api.AUTHORIZATION).header("Tus-Resumable", "1.0.0")
                        .header("Upload-Offset", first).contentType("application/offset+octet-stream")
                        .body(Arrays.copyOfRange(source, first, source.length)).patch(url)
                        .then().statusCode(204).extract().header("Upload-Input-Content-Id");
                assertThat(input).isNotNull();
                try (Connection c = ServiceProcess.database(RESUME_SCHEMA);
                        ResultSet r = c.createStatement().executeQuery(
                                "select sha256, storage_name from input_content where id = " + input)) {
                    assertThat(r.next()).isTrue();
                    assertThat(r.getString(1)).isEqualTo(HexFormat.of().formatHex(
                            MessageDigest.getInstance("SHA-256").digest(source)));
                    assertThat(s3.bytes(BUCKET, "inputs/" + r.getString(2))).isEqualTo(source);
                }
                assertThat(s3.openMultipartUploads(BUCKET)).isZero();
                assertThat(s3.keys(BUCKET, "resumable/")).isEmpty();
                assertThat(regularFiles(tmp.resolve("scratch-b"))).as("B keeps nothing on its disk").isEmpty();
            }
        }
    }

    static final String RESUME_SCHEMA = "vodpack_s3_resume_it";

    private static List<Path> regularFiles(Path root) throws IOException {
        try (var files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    private static Map<String, String> settings(S3Server s3) {
        Map<String, String> settings = new HashMap<>(s3.serviceProperties(BUCKET));
        settings.put("db.schema", SCHEMA);
        settings.put("quarkus.flyway.clean-disabled", "false");
        settings.put("vodpack.packaging.lease", "PT6S");
        settings.put("vodpack.packaging.sweep-interval", "1s");
        settings.put("vodpack.packaging.poll-interval", "1s");
        settings.put("vodpack.packaging.concurrency", "1");
        settings.put("vodpack.upload.min-free-space", "1048576");
        return settings;
    }

    private static String column(String table, long id, String column) throws Exception {
        try (Connection c = ServiceProcess.database(SCHEMA);
                ResultSet r = c.createStatement().executeQuery("select " + column + " from " + table + " where id = " + id)) {
            return r.next() ? r.getString(1) : null;
        }
    }
}
