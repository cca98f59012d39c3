package io.vodpack.webhook;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.containsString;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.vodpack.support.Api;
import io.vodpack.support.Db;
import io.vodpack.support.SeededJobs;
import io.vodpack.support.TestMedia;

/**
 * Webhooks against a small receiver started by the test (the test profile allows loopback receivers). Events come
 * from the database: a seeded job is turned DONE with plain SQL, as a worker on any replica would.
 */
@QuarkusTest
class WebhookTest {

    @Inject
    AgroalDataSource db;

    HttpServer receiver;
    final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    final AtomicInteger flakyCalls = new AtomicInteger();
    final List<Long> webhooks = new ArrayList<>();

    /** One request the receiver got. */
    record Received(String path, String id, String timestamp, String signature, String body, long atNanos) {
    }

    @BeforeEach
    void startReceiver() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.setExecutor(Executors.newCachedThreadPool());
        receiver.createContext("/ok", exchange -> answer(exchange, 204));
        receiver.createContext("/flaky", exchange -> answer(exchange, flakyCalls.incrementAndGet() <= 2 ? 500 : 200));
        receiver.createContext("/hang", exchange -> {
            record(exchange);
            sleep(20_000);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        webhooks.forEach(id -> given().delete("/webhooks/" + id));
        receiver.stop(0);
    }

    @Test
    void registeringAnswers201WithTheSecretShownOnce() {
        JsonPath created = given().contentType(ContentType.JSON)
                .body(Map.of("url", url("/ok"), "events", List.of("packaged_content.done"))).post("/webhooks")
                .then().statusCode(201).header("Location", containsString("/webhooks/")).extract().jsonPath();
        long id = created.getLong("id");
        webhooks.add(id);
        assertThat(created.getString("secret")).matches("whsec_[A-Za-z0-9+/=]{32}");
        given().get("/webhooks").then().statusCode(200).body("find { it.id == " + id + " }.secret", nullValue());
        given().contentType(ContentType.JSON).body(Map.of("url", url("/ok"), "events", List.of("job.finished")))
                .post("/webhooks").then().statusCode(400).contentType("application/problem+json");
        given().contentType(ContentType.JSON).body(Map.of("url", "ftp://example.com/", "events", List.of("packaged_content.done")))
                .post("/webhooks").then().statusCode(400);
        given().get("/webhooks/" + id + "/deliveries").then().statusCode(200);
        given().delete("/webhooks/" + id).then().statusCode(204);
        given().delete("/webhooks/" + id).then().statusCode(404);
        given().get("/webhooks/" + id + "/deliveries").then().statusCode(404);
    }

    @Test
    void aDoneJobIsDeliveredSignedWithTheBodyOfItsGet() throws Exception {
        String secret = register("/ok", "packaged_content.done", "input_content.ready");
        long job = SeededJobs.running(db);
        Db.update(db, "UPDATE packaging_job SET status = 'DONE', progress = 100, output_folder = 'x', finished_at = now() WHERE id = ?", job);
        Received delivery = next("/ok", Duration.ofSeconds(10));
        assertThat(delivery.signature()).isEqualTo(expectedSignature(secret, delivery));
        JsonPath body = JsonPath.from(delivery.body());
        assertThat(body.getString("type")).isEqualTo("packaged_content.done");
        assertThat(body.getLong("data.packaged_content_id")).isEqualTo(job);
        assertThat(body.getString("data.status")).isEqualTo("DONE");
        assertThat(body.getString("data.url")).contains("/content/" + job + "/stream.mpd?token=");
        assertThat(body.getString("data.key")).isNotBlank();
        assertThat(Math.abs(Long.parseLong(delivery.timestamp()) - System.currentTimeMillis() / 1000)).isLessThan(30);

        TestMedia.assumeFfmpeg();
        long input = Api.upload(TestMedia.h264Aac());
        Received ready = next("/ok", Duration.ofSeconds(10));
        assertThat(ready.signature()).isEqualTo(expectedSignature(secret, ready));
        assertThat(JsonPath.from(ready.body()).getString("type")).isEqualTo("input_content.ready");
        assertThat(JsonPath.from(ready.body()).getLong("data.input_content_id")).isEqualTo(input);
    }

    @Test
    void aReceiverThatAnswers500TwiceGetsTheEventThreeTimesEachAttemptRecorded() throws Exception {
        register("/flaky", "packaged_content.done");
        long webhook = webhooks.get(webhooks.size() - 1);
        long job = SeededJobs.running(db);
        Db.update(db, "UPDATE packaging_job SET status = 'DONE', output_folder = 'x', finished_at = now() WHERE id = ?", job);
        List<Received> calls = List.of(next("/flaky", Duration.ofSeconds(10)), next("/flaky", Duration.ofSeconds(10)),
                next("/flaky", Duration.ofSeconds(10)));
        assertThat(calls).extracting(Received::id).containsOnly(calls.get(0).id());
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            JsonPath deliveries = given().get("/webhooks/" + webhook + "/deliveries").then().statusCode(200).extract().jsonPath();
            assertThat(deliveries.getString("[0].status")).isEqualTo("DELIVERED");
            assertThat(deliveries.getInt("[0].attempts")).isEqualTo(3);
            assertThat(deliveries.getList("[0].attempt_log.status_code")).containsExactly(500, 500, 200);
            assertThat(deliveries.getString("[0].message_id")).isEqualTo(calls.get(0).id());
        });
        assertThat(next("/flaky", Duration.ofSeconds(1))).as("no fourth delivery").isNull();
    }

    @Test
    void aHangingReceiverDoesNotDelayAnother() throws Exception {
        register("/hang", "packaged_content.done");
        register("/ok", "packaged_content.done");
        long job = SeededJobs.running(db);
        long done = System.nanoTime();
        Db.update(db, "UPDATE packaging_job SET status = 'DONE', output_folder = 'x', finished_at = now() WHERE id = ?", job);
        Received ok = next("/ok", Duration.ofSeconds(10));
        assertThat(Duration.ofNanos(ok.atNanos() - done)).isLessThan(Duration.ofMillis(1500));
    }

    private String register(String path, String... events) {
        JsonPath created = given().contentType(ContentType.JSON).body(Map.of("url", url(path), "events", List.of(events)))
                .post("/webhooks").then().statusCode(201).extract().jsonPath();
        webhooks.add(created.getLong("id"));
        return created.getString("secret");
    }

    private Received next(String path, Duration atMost) throws InterruptedException {
        long until = System.nanoTime() + atMost.toNanos();
        while (System.nanoTime() < until) {
            Received r = received.poll(50, TimeUnit.MILLISECONDS);
            if (r != null && r.path().equals(path)) {
                return r;
            }
        }
        return null;
    }

    private static String expectedSignature(String secret, Received r) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
        return "v1," + Base64.getEncoder().encodeToString(
                mac.doFinal((r.id() + "." + r.timestamp() + "." + r.body()).getBytes(StandardCharsets.UTF_8)));
    }

    private String url(String path) {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + path;
    }

    private void answer(HttpExchange exchange, int status) throws IOException {
        record(exchange);
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    private void record(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        received.add(new Received(exchange.getRequestURI().getPath(), exchange.getRequestHeaders().getFirst("webhook-id"),
                exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                exchange.getRequestHeaders().getFirst("webhook-signature"), body, System.nanoTime()));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
