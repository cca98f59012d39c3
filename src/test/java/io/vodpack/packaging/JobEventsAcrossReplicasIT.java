package io.vodpack.packaging;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.vodpack.support.Background;
import io.vodpack.support.ServiceProcess;
import io.vodpack.support.StreamCheck;
import io.vodpack.support.TestMedia;

/**
 * Job events cross replicas: a request waiting on an API-only replica answers as soon as a worker on another replica
 * (another JVM sharing the database) commits DONE, with no polling in between.
 */
class JobEventsAcrossReplicasIT {

    static final String SCHEMA = "vodpack_events_it";

    @Test
    void aWaitOnOneReplicaAnswersWithin200MillisecondsOfDoneCommittedByAnother(@TempDir Path tmp) throws Exception {
        TestMedia.assumeFfmpeg();
        Path storage = tmp.resolve("storage");
        Map<String, String> api = settings();
        api.put("quarkus.flyway.clean-at-start", "true");
        api.put("vodpack.packaging.workers-enabled", "false");
        try (ServiceProcess apiOnly = ServiceProcess.start("events-api", storage, api)) {
            Map<String, String> worker = settings();
            try (ServiceProcess packager = ServiceProcess.start("events-worker", storage, worker)) {
                long input = given().contentType("video/mp4").body(Files.readAllBytes(TestMedia.h264AacLong()))
                        .post(apiOnly.url("/upload_input_content")).then().statusCode(201).extract().jsonPath()
                        .getLong("input_content_id");
                // The first job warms both JVMs up (first-use class loading and JIT); the second is measured.
                long cold = waitForDone(apiOnly, input);
                long warm = waitForDone(apiOnly, input);
                System.out.printf("wait on the API replica answered %d ms (cold JVM), %d ms (warm) after DONE, committed by"
                        + " the worker replica, was visible in the database%n", cold, warm);
                assertThat(warm).isLessThan(200);
                assertThat(packager.process().isAlive()).isTrue();
            }
        }
    }

    /** Packages {@code input} through {@code apiOnly}, follows it there with ?wait=; ms from DONE in the database to the answer. */
    private static long waitForDone(ServiceProcess apiOnly, long input) throws Exception {
        long job = given().contentType(ContentType.JSON).body(Map.of("input_content_id", input))
                .post(apiOnly.url("/packaged_content")).then().statusCode(202).extract().jsonPath()
                .getLong("packaged_content_id");
        AtomicBoolean stop = new AtomicBoolean();
        long[] answered = new long[1];
        CompletableFuture<Response> waiter = Background.call(() -> {
            while (!stop.get()) {
                Response answer = given().get(apiOnly.url("/packaged_content/" + job + "?wait=30"));
                if (answer.statusCode() != 202) {
                    answered[0] = System.nanoTime();
                    return answer;
                }
            }
            return null;
        });
        long seenDone = awaitDoneInDatabase(job, Duration.ofSeconds(60));
        Response done;
        try {
            done = waiter.get(10, TimeUnit.SECONDS);
        } finally {
            stop.set(true);
        }
        assertThat(done.statusCode()).isEqualTo(200);
        assertThat(done.jsonPath().getString("status")).isEqualTo("DONE");
        return Math.max(0, (answered[0] - seenDone) / 1_000_000);
    }

    private static long awaitDoneInDatabase(long job, Duration atMost) throws Exception {
        long until = System.nanoTime() + atMost.toNanos();
        try (Connection c = ServiceProcess.database(SCHEMA);
                PreparedStatement s = c.prepareStatement("select status from packaging_job where id = ?")) {
            s.setLong(1, job);
            while (System.nanoTime() < until) {
                try (ResultSet r = s.executeQuery()) {
                    if (r.next() && "DONE".equals(r.getString(1))) {
                        return System.nanoTime();
                    }
                }
                Thread.sleep(2);
            }
        }
        throw new AssertionError("job " + job + " not DONE within " + atMost);
    }

    private static Map<String, String> settings() {
        Map<String, String> settings = new HashMap<>();
        settings.put("db.schema", SCHEMA);
        settings.put("quarkus.flyway.clean-disabled", "false");
        settings.put("vodpack.packaging.shaka.path", StreamCheck.PACKAGER.toAbsolutePath().toString());
        settings.put("vodpack.packaging.poll-interval", "1s");
        settings.put("vodpack.upload.min-free-space", "1048576");
        return settings;
    }
}
