package io.vodpack.webhook;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.vodpack.support.Db;
import io.vodpack.support.SeededJobs;

/**
 * Deliveries leave as soon as their outbox row is committed (the notification wakes the deliverer; its poll runs once
 * an hour here), and the links in their payloads are absolute under {@code vodpack.public-base-url}: a webhook has no
 * request whose host could be used.
 */
@QuarkusTest
@TestProfile(WebhookWakeUpProfile.class)
class WebhookWakeUpTest {

    @Inject
    AgroalDataSource db;

    HttpServer receiver;
    final BlockingQueue<String> bodies = new LinkedBlockingQueue<>();
    Long webhook;

    @BeforeEach
    void startReceiver() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/ok", exchange -> {
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        if (webhook != null) {
            given().delete("/webhooks/" + webhook);
        }
        receiver.stop(0);
    }

    @Test
    void aDoneJobIsDeliveredWithoutWaitingForThePollWithLinksUnderThePublicBaseUrl() throws InterruptedException {
        webhook = given().contentType(ContentType.JSON)
                .body(Map.of("url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/ok",
                        "events", List.of("packaged_content.done")))
                .post("/webhooks").then().statusCode(201).extract().jsonPath().getLong("id");
        // The deliverer's one poll at start-up is behind us: from now on only a notification can wake it.
        Thread.sleep(500);
        long job = SeededJobs.running(db);
        Db.update(db, "UPDATE packaging_job SET status = 'DONE', progress = 100, output_folder = 'x', finished_at = now()"
                + " WHERE id = ?", job);

        // Generous bound for a shared machine; without the wake-up the next poll would come an hour later.
        String body = bodies.poll(15, TimeUnit.SECONDS);
        assertThat(body).as("delivered long before the hourly poll").isNotNull();
        JsonPath event = JsonPath.from(body);
        assertThat(event.getString("type")).isEqualTo("packaged_content.done");
        assertThat(event.getLong("data.packaged_content_id")).isEqualTo(job);
        String base = WebhookWakeUpProfile.PUBLIC_BASE_URL;
        assertThat(event.getString("data.url")).startsWith(base + "/content/" + job + "/stream.mpd?token=");
        assertThat(event.getString("data.player_url")).startsWith(base + "/player/" + job + "?token=");
        assertThat(event.getString("data.license_url")).startsWith(base + "/license/clearkey/" + job + "?token=");
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(given()
                .get("/webhooks/" + webhook + "/deliveries").then().statusCode(200).extract().jsonPath()
                .getString("[0].status")).isEqualTo("DELIVERED"));
    }
}
