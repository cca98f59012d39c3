package io.vodpack.storage;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
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

/**
 * Replicas that share one PostgreSQL schema and one bucket and nothing on disk: each has its own scratch folder.
 * Uploads and playback go through A (no workers); B packages until it is killed with SIGKILL; C takes the job over.
 */
class S3ReplicasIT {

    static final String SCHEMA = "vodpack_s3_replicas_it";
    static final String BUCKET = "vodpack-replicas";
    static final String KEY = "hyN9IKGfWKdAwFaE5pm0qg";
    static final String KID = "oW5AK5BW43HzbTSKpiu3SQ";
    static final String KEY_HEX = "87237d20a19f58a740c05684e699b4aa";
    static final String KID_HEX = "a16e402b9056e371f36d348aa62bb749";

    @Test
    void aJobWhoseWorkerIsKilledIsTakenOverAndPlaysThroughAReplicaWithoutWorkers(@TempDir Path tmp) throws Exception {
        TestMedia.assumeFfmpeg();
        // B's engine waits before it packages, so that B is killed with its attempt under way.
        Path slow = tmp.resolve("slow-packager");
        Files.writeString(slow, "#!/bin/sh\nif [ \"$1\" = \"--version\" ]; then exec " + StreamCheck.PACKAGER
                + " --version; fi\nsleep 4\nexec " + StreamCheck.PACKAGER + " \"$@\"\n");
        Files.setPosixFilePermissions(slow, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (S3Server s3 = S3Server.start("replicas-it")) {
            Map<String, String> apiOnly = settings(s3);
            apiOnly.put("vodpack.packaging.workers-enabled", "false");
            apiOnly.put("quarkus.flyway.clean-at-start", "true");
            try (ServiceProcess a = ServiceProcess.start("s3-replica-a", tmp.resolve("scratch-a"), apiOnly,
                    S3Server.credentialsEnvironment())) {
                long input = given().header("Authorization", Api.AUTHORIZATION).contentType("video/mp4")
                        .body(Files.readAllBytes(TestMedia.h264Aac())).post(a.url("/upload_input_content")).then()
                        .statusCode(201).extract().jsonPath().getLong("input_content_id");
                String inputName = column("input_content", input, "storage_name");
                assertThat(s3.keys(BUCKET, "inputs/")).containsExactly("inputs/" + inputName);
                long job = given().header("Authorization", Api.AUTHORIZATION).contentType(ContentType.JSON)
                        .body(Map.of("input_content_id", input, "key", KEY, "kid", KID)).post(a.url("/packaged_content"))
                        .then().statusCode(202).extract().jsonPath().getLong("packaged_content_id");

                Map<String, String> slowWorker = settings(s3);
                slowWorker.put("vodpack.packaging.shaka.path", slow.toString());
                try (ServiceProcess b = ServiceProcess.start("s3-replica-b", tmp.resolve("scratch-b"), slowWorker,
                        S3Server.credentialsEnvironment())) {
                    // B claims the job and downloads the input into its own scratch folder; then it dies.
                    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> "RUNNING".equals(column("packaging_job", job, "status"))
                            && b.process().descendants().findAny().isPresent());
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
                    assertThat(column("packaging_job", job, "attempts")).isEqualTo("2");
                    String live = column("packaging_job", job, "output_folder");
                    // Played through A, which has no workers and never saw the files on a disk.
                    String url = given().header("Authorization", Api.AUTHORIZATION).get(a.url("/packaged_content/" + job))
                            .then().statusCode(200).extract().path("url");
                    Document mpd = StreamCheck.parse(given().get(url).then().statusCode(200).extract().asByteArray());
                    for (String stream : List.of("video", "audio")) {
                        Path encrypted = StreamCheck.downloadTrack(url, mpd, stream, tmp);
                        Path decrypted = StreamCheck.decrypt(encrypted, stream, KID_HEX, KEY_HEX);
                        assertThat(StreamCheck.packetHashes(decrypted, stream)).as(stream)
                                .isEqualTo(StreamCheck.packetHashes(TestMedia.h264Aac(), stream));
                    }
                    // After the sweep: only the live attempt's objects, no open multipart upload, no scratch leftovers.
                    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                        assertThat(s3.keys(BUCKET, "packaged/")).allMatch(k -> k.startsWith("packaged/" + live + "/"));
                        assertThat(Files.list(tmp.resolve("scratch-c").resolve("staging")).toList()).isEmpty();
                    });
                    assertThat(s3.keys(BUCKET, "packaged/" + live + "/")).contains("packaged/" + live + "/stream.mpd");
                    assertThat(s3.openMultipartUploads(BUCKET)).isZero();
                }
            }
        }
    }

    private static Map<String, String> settings(S3Server s3) {
        Map<String, String> settings = new HashMap<>(s3.serviceProperties(BUCKET));
        settings.put("db.schema", SCHEMA);
        settings.put("quarkus.flyway.clean-disabled", "false");
        settings.put("vodpack.packaging.lease", "PT3S");
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
