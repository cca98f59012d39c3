package io.vodpack.packaging;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.vodpack.support.Api;
import io.vodpack.support.Background;
import io.vodpack.support.Db;
import io.vodpack.support.SeededJobs;
import io.vodpack.support.SseClient;
import io.vodpack.support.TestMedia;

/**
 * Knowing when a job changes: waiting GETs and Server-Sent Events, fed by PostgreSQL notifications. Some tests seed
 * a RUNNING row owned by a lease no worker holds (nothing else touches it) and change it with plain SQL, as any
 * writer (another replica included) would.
 */
@QuarkusTest
class JobEventsTest {

    private static final Logger LOG = Logger.getLogger(JobEventsTest.class);

    @Inject
    AgroalDataSource db;

    @TestHTTPResource("/")
    URI root;

    @BeforeEach
    void needsMedia() {
        TestMedia.assumeFfmpeg();
    }

    @Test
    void waitingGetAnswersWithin200MillisecondsOfTheDoneCommit() throws Exception {
        // Warm the answer's path up first (the first DONE answer of a JVM loads classes and signs its first token):
        // the test measures how soon a wait learns of DONE, not class loading.
        long warm = SeededJobs.running(db);
        CompletableFuture<Response> warmWait = Background.call(() -> given().get("/packaged_content/" + warm + "?wait=10"));
        sleep(200);
        Db.update(db, "UPDATE packaging_job SET status = 'DONE', output_folder = 'x', finished_at = now() WHERE id = ?", warm);
        warmWait.join().then().statusCode(200);

        long input = Api.upload(TestMedia.h264AacLong());
        long job = Api.startPackaging(input, null, null);
        AtomicBoolean stop = new AtomicBoolean();
        long[] answeredDone = new long[1];
        CompletableFuture<Void> waiter = Background.run(() -> {
            while (!stop.get()) {
                Response answer = given().get("/packaged_content/" + job + "?wait=30");
                if (answer.statusCode() != 202) {
                    answeredDone[0] = System.nanoTime();
                    assertThat(answer.statusCode()).isEqualTo(200);
                    return;
                }
            }
        });
        long seenDone = 0;
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < until) {
            if ("DONE".equals(Db.string(db, "SELECT status FROM packaging_job WHERE id = ?", job))) {
                seenDone = System.nanoTime();
                break;
            }
            Thread.sleep(2);
        }
        assertThat(seenDone).as("job DONE in the database").isPositive();
        try {
            waiter.get(10, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            stop.set(true);
        }
        long latencyMillis = Math.max(0, (answeredDone[0] - seenDone) / 1_000_000);
        LOG.infof("wait answered %d ms after DONE was visible in the database", latencyMillis);
        assertThat(latencyMillis).isLessThan(200);
    }

    @Test
    void waitingGetAnswersAsSoonAsAnyWriterChangesTheProgress() {
        long job = SeededJobs.running(db);
        long started = System.nanoTime();
        CompletableFuture<Response> answer = Background.call(
                () -> given().get("/packaged_content/" + job + "?wait=20"));
        sleep(500);
        assertThat(answer).as("still waiting while nothing changed").isNotDone();
        Db.update(db, "UPDATE packaging_job SET progress = 40 WHERE id = ?", job);
        Response changed = answer.join();
        changed.then().statusCode(202).body("status", equalTo("RUNNING")).body("progress", equalTo(40));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void waitingGetWithoutChangeAnswersAfterTheWaitWithTheCurrentState() {
        long job = SeededJobs.running(db);
        long started = System.nanoTime();
        given().get("/packaged_content/" + job + "?wait=1").then().statusCode(202).body("status", equalTo("RUNNING"))
                .header("Retry-After", "1");
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertThat(tookMillis).isBetween(950L, 4000L);
    }

    @Test
    void waitingGetOfAFinishedJobAnswersAtOnceWithTheUsualShapes() {
        long done = SeededJobs.running(db);
        Db.update(db, "UPDATE packaging_job SET status = 'DONE', output_folder = 'nowhere', finished_at = now() WHERE id = ?", done);
        long started = System.nanoTime();
        given().get("/packaged_content/" + done + "?wait=30").then().statusCode(200).body("status", equalTo("DONE"))
                .body("url", org.hamcrest.Matchers.containsString("token="));
        long failed = SeededJobs.running(db);
        Db.update(db, "UPDATE packaging_job SET status = 'FAILED', error_detail = 'broken', finished_at = now() WHERE id = ?", failed);
        given().get("/packaged_content/" + failed + "?wait=30").then().statusCode(409)
                .contentType("application/problem+json").body("type", org.hamcrest.Matchers.endsWith("packaging-failed"));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void waitOutsideZeroToSixtySecondsIs400() {
        long job = SeededJobs.running(db);
        for (String wait : List.of("61", "-1", "soon", "2.5")) {
            given().get("/packaged_content/" + job + "?wait=" + wait).then().statusCode(400)
                    .contentType("application/problem+json");
            given().get("/packaged_content?wait=" + wait).then().statusCode(400);
        }
        given().get("/packaged_content/" + job + "?wait=0").then().statusCode(202);
    }

    @Test
    void waitingOnAnotherOwnersJobIs404() {
        long job = SeededJobs.running(db);
        String bob = Api.given().contentType(ContentType.JSON)
                .body(Map.of("owner", "bob-events", "scopes", List.of("read"))).post("/api_keys")
                .then().statusCode(201).extract().path("key");
        io.restassured.RestAssured.given().header("Authorization", "Bearer " + bob)
                .get("/packaged_content/" + job + "?wait=5").then().statusCode(404);
        io.restassured.RestAssured.given().header("Authorization", "Bearer " + bob)
                .get("/packaged_content/" + job + "/events").then().statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void waitingListAnswersWhenOneOfItsJobsChanges() {
        long job = SeededJobs.running(db);
        CompletableFuture<Response> answer = Background.call(
                () -> given().get("/packaged_content?status=RUNNING&size=200&wait=20"));
        sleep(500);
        assertThat(answer).isNotDone();
        Db.update(db, "UPDATE packaging_job SET progress = 70 WHERE id = ?", job);
        JsonPath page = answer.join().then().statusCode(200).extract().jsonPath();
        assertThat(page.getInt("find { it.packaged_content_id == " + job + " }.progress")).isEqualTo(70);
    }

    @Test
    void eventStreamSendsProgressAndDoneInOrderAndEnds() throws Exception {
        long input = Api.upload(TestMedia.h264AacLong());
        long job = Api.startPackaging(input, null, null);
        List<SseClient.Event> received = new ArrayList<>();
        try (SseClient stream = SseClient.open(root.resolve("packaged_content/" + job + "/events"),
                Map.of("Authorization", Api.AUTHORIZATION))) {
            assertThat(stream.status()).isEqualTo(200);
            for (SseClient.Event event = stream.next(Duration.ofSeconds(60)); event != SseClient.END;
                    event = stream.next(Duration.ofSeconds(60))) {
                assertThat(event).as("an event before the stream ends").isNotNull();
                received.add(event);
            }
        }
        LOG.infof("events: %s", received.stream().map(SseClient.Event::id).toList());
        assertThat(received).isNotEmpty();
        SseClient.Event last = received.get(received.size() - 1);
        assertThat(last.name()).isEqualTo("done");
        JsonPath done = JsonPath.from(last.data());
        assertThat(done.getString("status")).isEqualTo("DONE");
        assertThat(done.getString("url")).contains("/content/" + job + "/stream.mpd?token=");
        assertThat(done.getString("key")).isNotBlank();
        assertThat(received.subList(0, received.size() - 1)).extracting(SseClient.Event::name)
                .allMatch(name -> name.equals("status") || name.equals("progress"));
        assertThat(received).extracting(SseClient.Event::id).doesNotHaveDuplicates();
        int lastProgress = -1;
        for (SseClient.Event event : received.subList(0, received.size() - 1)) {
            JsonPath body = JsonPath.from(event.data());
            if (body.getString("status").equals("RUNNING")) {
                assertThat(body.getInt("progress")).isGreaterThanOrEqualTo(lastProgress);
                lastProgress = body.getInt("progress");
            }
        }
    }

    @Test
    void reconnectWithLastEventIdGetsOnlyLaterEvents() throws Exception {
        long job = SeededJobs.running(db);
        URI events = root.resolve("packaged_content/" + job + "/events");
        String lastSeen;
        try (SseClient stream = SseClient.open(events, Map.of("Authorization", Api.AUTHORIZATION))) {
            SseClient.Event first = stream.next(Duration.ofSeconds(5));
            assertThat(first.name()).isEqualTo("status");
            assertThat(first.id()).isEqualTo("RUNNING-0");
            Db.update(db, "UPDATE packaging_job SET progress = 40 WHERE id = ?", job);
            SseClient.Event progress = stream.next(Duration.ofSeconds(5));
            assertThat(progress.name()).isEqualTo("progress");
            assertThat(progress.id()).isEqualTo("RUNNING-40");
            assertThat(JsonPath.from(progress.data()).getInt("progress")).isEqualTo(40);
            lastSeen = progress.id();
        }
        // Nothing new since: a reconnect hears nothing until the next change.
        try (SseClient stream = SseClient.open(events, Map.of("Authorization", Api.AUTHORIZATION, "Last-Event-ID", lastSeen))) {
            assertThat(stream.next(Duration.ofMillis(700))).as("no repeat of RUNNING-40").isNull();
            Db.update(db, "UPDATE packaging_job SET progress = 60 WHERE id = ?", job);
            assertThat(stream.next(Duration.ofSeconds(5)).id()).isEqualTo("RUNNING-60");
        }
        // Changed while disconnected: the reconnect starts with the current state, then the end.
        Db.update(db, "UPDATE packaging_job SET progress = 80 WHERE id = ?", job);
        try (SseClient stream = SseClient.open(events, Map.of("Authorization", Api.AUTHORIZATION, "Last-Event-ID", "RUNNING-60"))) {
            SseClient.Event resumed = stream.next(Duration.ofSeconds(5));
            assertThat(resumed.id()).isEqualTo("RUNNING-80");
            assertThat(resumed.name()).isEqualTo("progress");
            Db.update(db, "UPDATE packaging_job SET status = 'CANCELLED', error_detail = 'stopped', finished_at = now() WHERE id = ?", job);
            SseClient.Event cancelled = stream.next(Duration.ofSeconds(5));
            assertThat(cancelled.name()).isEqualTo("cancelled");
            assertThat(JsonPath.from(cancelled.data()).getString("title")).isEqualTo("Packaging cancelled");
            assertThat(JsonPath.from(cancelled.data()).getString("type")).endsWith("packaging-cancelled");
            assertThat(stream.next(Duration.ofSeconds(5))).isSameAs(SseClient.END);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
