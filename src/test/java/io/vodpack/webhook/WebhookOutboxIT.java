package io.vodpack.webhook;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.vodpack.support.ServiceProcess;
import io.vodpack.support.StreamCheck;
import io.vodpack.support.TestMedia;

/**
 * The outbox is durable: an instance killed with SIGKILL right after a job turned DONE, before it sent anything, leaves
 * the delivery in the database, and the next instance delivers it.
 */
class WebhookOutboxIT {

    static final String SCHEMA = "vodpack_webhooks_it";

    @Test
    void anEventCommittedBeforeSigkillIsDeliveredAfterRestart(@TempDir Path tmp) throws Exception {
        TestMedia.assumeFfmpeg();
        BlockingQueue<String> bodies = new LinkedBlockingQueue<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        Path storage = tmp.resolve("storage");
        try {
            Map<String, String> first = settings();
            first.put("quarkus.flyway.clean-at-start", "true");
            // This instance never sends: whatever it commits can only reach the receiver through the outbox.
            first.put("vodpack.webhooks.max-concurrent", "0");
            long job;
            try (ServiceProcess a = ServiceProcess.start("webhooks-a", storage, first)) {
                given().contentType(ContentType.JSON).body(Map.of("url", "http://127.0.0.1:" + receiver.getAddress().getPort()
                        + "/hook", "events", List.of("packaged_content.done"))).post(a.url("/webhooks")).then().statusCode(201);
                long input = given().contentType("video/mp4").body(Files.readAllBytes(TestMedia.h264Aac()))
                        .post(a.url("/upload_input_content")).then().statusCode(201).extract().jsonPath()
                        .getLong("input_content_id");
                job = given().contentType(ContentType.JSON).body(Map.of("input_content_id", input))
                        .post(a.url("/packaged_content")).then().statusCode(202).extract().jsonPath()
                        .getLong("packaged_content_id");
                long id = job;
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                        .until(() -> "DONE".equals(query("select status from packaging_job where id = " + id)));
                a.signal("KILL", true);
                a.process().waitFor(10, TimeUnit.SECONDS);
            }
            assertThat(bodies).as("nothing sent before the kill").isEmpty();
            assertThat(query("select status from webhook_delivery where resource_id = " + job)).isEqualTo("PENDING");

            try (ServiceProcess b = ServiceProcess.start("webhooks-b", storage, settings())) {
                String body = bodies.poll(20, TimeUnit.SECONDS);
                assertThat(body).as("delivered by the restarted service").isNotNull();
                JsonPath event = JsonPath.from(body);
                assertThat(event.getString("type")).isEqualTo("packaged_content.done");
                assertThat(event.getLong("data.packaged_content_id")).isEqualTo(job);
                long id = job;
                Awaitility.await().atMost(Duration.ofSeconds(5)).until(
                        () -> "DELIVERED".equals(query("select status from webhook_delivery where resource_id = " + id)));
                // The first claim after the restart sends it: a pass that met a half-started instance would have
                // claimed it once for nothing and left it waiting out the lease.
                assertThat(query("select attempts from webhook_delivery where resource_id = " + id)).isEqualTo("1");
            }
        } finally {
            receiver.stop(0);
        }
    }

    private static String query(String sql) throws Exception {
        try (Connection c = ServiceProcess.database(SCHEMA); ResultSet r = c.createStatement().executeQuery(sql)) {
            return r.next() ? r.getString(1) : null;
        }
    }

    private static Map<String, String> settings() {
        Map<String, String> settings = new HashMap<>();
        settings.put("db.schema", SCHEMA);
        settings.put("quarkus.flyway.clean-disabled", "false");
        settings.put("vodpack.packaging.shaka.path", StreamCheck.PACKAGER.toAbsolutePath().toString());
        settings.put("vodpack.upload.min-free-space", "1048576");
        settings.put("vodpack.webhooks.allow-private", "true");
        return settings;
    }
}
