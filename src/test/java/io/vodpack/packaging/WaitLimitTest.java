package io.vodpack.packaging;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.vodpack.packaging.events.JobEvents;
import io.vodpack.support.Api;
import io.vodpack.support.Background;
import io.vodpack.support.Db;
import io.vodpack.support.SeededJobs;
import io.vodpack.support.SseClient;

/** Waiting requests are bounded per instance (vodpack.events.max-waiting), and every way out gives the slot back. */
@QuarkusTest
@TestProfile(WaitLimitProfile.class)
class WaitLimitTest {

    @Inject
    AgroalDataSource db;

    @Inject
    JobEvents events;

    @TestHTTPResource("/")
    URI root;

    @Test
    void waitsBeyondTheBoundAre429WithRetryAfterAndSlotsComeBack() throws Exception {
        long job = SeededJobs.running(db);
        // Waits long enough that both are still waiting when the second one starts, even on a busy machine.
        CompletableFuture<Response> first = Background.call(() -> given().get("/packaged_content/" + job + "?wait=15"));
        CompletableFuture<Response> second = Background.call(() -> given().get("/packaged_content?wait=15"));
        Awaitility.await().atMost(Duration.ofSeconds(12)).until(() -> events.waiting() == 2);

        given().get("/packaged_content/" + job + "?wait=3").then().statusCode(429)
                .contentType("application/problem+json").header("Retry-After", "1");
        given().get("/packaged_content?wait=3").then().statusCode(429);
        try (SseClient stream = SseClient.open(root.resolve("packaged_content/" + job + "/events"),
                Map.of("Authorization", Api.AUTHORIZATION))) {
            assertThat(stream.status()).isEqualTo(429);
        }
        // Without wait nothing is bounded.
        given().get("/packaged_content/" + job).then().statusCode(202);

        first.join().then().statusCode(202).body("status", equalTo("RUNNING"));
        second.join().then().statusCode(200);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> events.waiting() == 0);
    }

    @Test
    void aClientThatGoesAwayGivesItsSlotBack() throws Exception {
        long job = SeededJobs.running(db);
        try (SseClient stream = SseClient.open(root.resolve("packaged_content/" + job + "/events"),
                Map.of("Authorization", Api.AUTHORIZATION))) {
            assertThat(stream.next(Duration.ofSeconds(5)).id()).isEqualTo("RUNNING-0");
            assertThat(events.waiting()).isEqualTo(1);
        }
        Db.update(db, "UPDATE packaging_job SET progress = 10 WHERE id = ?", job);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> events.waiting() == 0);
        given().get("/packaged_content/" + job + "?wait=0").then().statusCode(202).body("progress", equalTo(10));
    }
}
