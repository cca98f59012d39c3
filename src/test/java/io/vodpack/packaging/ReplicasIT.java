package io.vodpack.packaging;

import static io.vodpack.support.Api.given;
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
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import io.restassured.http.ContentType;
import io.vodpack.support.Api;
import io.vodpack.support.ServiceProcess;
import io.vodpack.support.StreamCheck;
import io.vodpack.support.TestMedia;

/**
 * Real replicas: the packaged service started as separate JVMs that share one database schema and one storage root,
 * paused with SIGSTOP and killed with SIGKILL as a container runtime or the kernel would.
 */
class ReplicasIT {

    static final String SCHEMA = "vodpack_replicas_it";
    static final String KEY = "hyN9IKGfWKdAwFaE5pm0qg";
    static final String KID = "oW5AK5BW43HzbTSKpiu3SQ";
    static final String KEY_HEX = "87237d20a19f58a740c05684e699b4aa";
    static final String KID_HEX = "a16e402b9056e371f36d348aa62bb749";

    @Test
    void aPausedReplicaThatLostItsLeaseLeavesTheNewAttemptsWorkAlone(@TempDir Path tmp) throws Exception {
        // The engine sleeps before it packages, so the attempt is still running while its replica is paused.
        Path engine = script(tmp.resolve("slow-packager"), "#!/bin/sh\n"
                + "if [ \"$1\" = \"--version\" ]; then exec " + StreamCheck.PACKAGER + " --version; fi\n"
                + "sleep 5\nexec " + StreamCheck.PACKAGER + " \"$@\"\n");
        Path storage = tmp.resolve("storage");
        Map<String, String> settings = settings(engine);
        settings.put("quarkus.flyway.clean-at-start", "true");
        try (ServiceProcess a = ServiceProcess.start("replica-a", storage, settings)) {
            long input = upload(a);
            long job = startPackaging(a, input);
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> "RUNNING".equals(column(job, "status"))
                    && a.process().descendants().findAny().isPresent());
            // Replica A freezes, engine included, for longer than its lease.
            a.signal("STOP", true);
            settings.remove("quarkus.flyway.clean-at-start");
            try (ServiceProcess b = ServiceProcess.start("replica-b", storage, settings)) {
                // B's sweeper hands the expired job back to the queue; B takes it as attempt 2.
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> "2".equals(column(job, "attempts"))
                        && "RUNNING".equals(column(job, "status"))
                        && stagingFolders(storage, job).stream().anyMatch(f -> f.startsWith(job + "-2-")));
                // A wakes up while B's attempt runs: it must stop its own engine and touch only its own folders.
                a.signal("CONT", true);

                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                        .until(() -> !List.of("QUEUED", "RUNNING").contains(column(job, "status")));
                assertThat(column(job, "status")).as("error: " + column(job, "error_detail")).isEqualTo("DONE");
                assertThat(column(job, "attempts")).isEqualTo("2");
                String live = column(job, "output_folder");
                assertThat(live).startsWith(job + "-2-");
                Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                    assertThat(stagingFolders(storage, job)).as("staging of both attempts removed").isEmpty();
                    assertThat(folders(storage.resolve("packaged"), job)).as("only the live output is published")
                            .containsExactly(live);
                });
                assertStreamChecksOut(b, job, tmp);
            }
        }
    }

    @Test
    void anEngineDiesWithItsServiceKilledWithSigkill(@TempDir Path tmp) throws Exception {
        Path pids = tmp.resolve("pids");
        Files.createDirectories(pids);
        // A hanging engine that also starts a child of its own.
        Path engine = script(tmp.resolve("hanging-packager"), "#!/bin/sh\n"
                + "if [ \"$1\" = \"--version\" ]; then echo hanging; exit 0; fi\n"
                + "echo $$ > " + pids.resolve("engine.pid") + "\n"
                + "sleep 300 &\necho $! > " + pids.resolve("child.pid") + "\nwait\n");
        Map<String, String> settings = settings(engine);
        settings.put("quarkus.flyway.clean-at-start", "true");
        try (ServiceProcess service = ServiceProcess.start("engine-owner", tmp.resolve("storage"), settings)) {
            startPackaging(service, upload(service));
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(pids.resolve("child.pid"))
                    && !Files.readString(pids.resolve("child.pid")).isBlank());
            long[] engines = { Long.parseLong(Files.readString(pids.resolve("engine.pid")).strip()),
                    Long.parseLong(Files.readString(pids.resolve("child.pid")).strip()) };
            for (long pid : engines) {
                assertThat(Files.exists(Path.of("/proc/" + pid))).as("engine process " + pid + " runs").isTrue();
            }
            service.signal("KILL", false);
            Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                for (long pid : engines) {
                    assertThat(Files.exists(Path.of("/proc/" + pid))).as("engine process " + pid + " after kill -9")
                            .isFalse();
                }
            });
        }
    }

    private static Map<String, String> settings(Path engine) {
        Map<String, String> settings = new HashMap<>();
        settings.put("db.schema", SCHEMA);
        settings.put("quarkus.flyway.clean-disabled", "false");
        settings.put("vodpack.packaging.shaka.path", engine.toString());
        settings.put("vodpack.packaging.lease", "PT3S");
        settings.put("vodpack.packaging.sweep-interval", "1s");
        settings.put("vodpack.packaging.poll-interval", "1s");
        settings.put("vodpack.packaging.concurrency", "1");
        settings.put("vodpack.upload.min-free-space", "1048576");
        return settings;
    }

    private static Path script(Path file, String text) throws Exception {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    private static long upload(ServiceProcess service) throws Exception {
        return given().contentType("video/mp4").body(Files.readAllBytes(TestMedia.h264Aac()))
                .post(service.url("/upload_input_content")).then().statusCode(201).extract().jsonPath()
                .getLong("input_content_id");
    }

    private static long startPackaging(ServiceProcess service, long input) {
        return given().contentType(ContentType.JSON).body(Map.of("input_content_id", input, "key", KEY, "kid", KID))
                .post(service.url("/packaged_content")).then().statusCode(202).extract().jsonPath()
                .getLong("packaged_content_id");
    }

    private static String column(long job, String column) throws Exception {
        try (Connection c = ServiceProcess.database(SCHEMA);
                ResultSet r = c.createStatement().executeQuery("select " + column + " from packaging_job where id = " + job)) {
            return r.next() ? r.getString(1) : null;
        }
    }

    private static List<String> stagingFolders(Path storage, long job) throws Exception {
        return folders(storage.resolve("staging"), job);
    }

    private static List<String> folders(Path dir, long job) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith(job + "-")).toList();
        }
    }

    /** The stream B serves decrypts with the job's key to the source's exact packets. */
    private static void assertStreamChecksOut(ServiceProcess service, long job, Path tmp) throws Exception {
        String url = given().get(service.url("/packaged_content/" + job)).then().statusCode(200).extract().path("url");
        Document mpd = StreamCheck.parse(given().get(url).then().statusCode(200).extract().asByteArray());
        for (String stream : List.of("video", "audio")) {
            Path encrypted = StreamCheck.downloadTrack(url, mpd, stream, tmp);
            Path decrypted = StreamCheck.decrypt(encrypted, stream, KID_HEX, KEY_HEX);
            assertThat(StreamCheck.packetHashes(decrypted, stream)).as(stream)
                    .isEqualTo(StreamCheck.packetHashes(TestMedia.h264Aac(), stream));
        }
    }
}
