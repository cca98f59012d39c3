package io.vodpack.access;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.vodpack.support.Api;
import io.vodpack.support.TestMedia;

/** Per-owner limits on stored bytes and queued jobs, and per-key limits on uploads at once. */
@QuarkusTest
@TestProfile(OwnerLimitsTest.SmallLimits.class)
class OwnerLimitsTest {

    /** Room for two test clips per owner, four queued jobs per owner, one upload at a time per key; no workers. */
    public static class SmallLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("vodpack.security.owner-max-stored-bytes", "600000", "vodpack.security.owner-max-queued-jobs", "4",
                    "vodpack.security.key-max-concurrent-uploads", "1", "vodpack.packaging.workers-enabled", "false");
        }
    }

    @TestHTTPResource("/")
    URL base;

    @Test
    void anOwnersStoredBytesAreBounded() throws Exception {
        String key = "Bearer " + key("hoarder");
        byte[] clip = Files.readAllBytes(TestMedia.h264Aac());
        upload(key, clip).then().statusCode(201);
        upload(key, clip).then().statusCode(201);
        upload(key, clip).then().statusCode(413).contentType("application/problem+json")
                .body("type", org.hamcrest.Matchers.endsWith("storage-quota-exceeded"));
        given().header("Authorization", key).header("Tus-Resumable", "1.0.0").header("Upload-Length", clip.length)
                .post("/files").then().statusCode(413).contentType("application/problem+json");
        // Another owner is not affected.
        upload("Bearer " + key("neighbour"), clip).then().statusCode(201);
    }

    @Test
    void anOwnersQueuedJobsAreBounded() throws Exception {
        String key = "Bearer " + key("busy-owner");
        long input = upload(key, Files.readAllBytes(TestMedia.h264Aac())).then().statusCode(201).extract().jsonPath()
                .getLong("input_content_id");
        for (int i = 0; i < 4; i++) {
            given().header("Authorization", key).contentType(ContentType.JSON).body(Map.of("input_content_id", input))
                    .post("/packaged_content").then().statusCode(202);
        }
        given().header("Authorization", key).contentType(ContentType.JSON).body(Map.of("input_content_id", input))
                .post("/packaged_content").then().statusCode(429).contentType("application/problem+json")
                .header("Retry-After", notNullValue());
    }

    @Test
    void everyRenditionOfALadderCountsAgainstTheOwnersQueuedJobs() throws Exception {
        String key = "Bearer " + key("ladder-owner");
        long input = upload(key, Files.readAllBytes(TestMedia.h264Aac())).then().statusCode(201).extract().jsonPath()
                .getLong("input_content_id");
        // One rung of the 240-line source: the 240p rendition, the audio and the packaging, 3 of the owner's 4.
        given().header("Authorization", key).contentType(ContentType.JSON)
                .body("{\"input_content_id\": " + input + ", \"ladder\": [{\"height\": 240, \"video_bitrate\": 300}]}")
                .post("/packaged_content").then().statusCode(202).body("renditions.name", contains("240p", "audio"));
        given().header("Authorization", key).contentType(ContentType.JSON).body(Map.of("input_content_id", input))
                .post("/packaged_content").then().statusCode(202);
        // 4 of 4 waiting: neither a plain job nor another ladder gets in.
        given().header("Authorization", key).contentType(ContentType.JSON).body(Map.of("input_content_id", input))
                .post("/packaged_content").then().statusCode(429).contentType("application/problem+json")
                .body("type", endsWith("owner-queue-full")).body("detail", containsString("renditions"));
        given().header("Authorization", key).contentType(ContentType.JSON)
                .body("{\"input_content_id\": " + input + ", \"ladder\": [{\"height\": 120, \"video_bitrate\": 200}]}")
                .post("/packaged_content").then().statusCode(429).body("type", endsWith("owner-queue-full"));

        // A ladder that alone is more than the owner may queue (3 rungs, the audio and the packaging: 5) never fits.
        String other = "Bearer " + key("big-ladder-owner");
        long otherInput = upload(other, Files.readAllBytes(TestMedia.h264Aac())).then().statusCode(201).extract().jsonPath()
                .getLong("input_content_id");
        given().header("Authorization", other).contentType(ContentType.JSON)
                .body("{\"input_content_id\": " + otherInput + ", \"ladder\": [{\"height\": 240, \"video_bitrate\": 300},"
                        + " {\"height\": 180, \"video_bitrate\": 250}, {\"height\": 120, \"video_bitrate\": 200}]}")
                .post("/packaged_content").then().statusCode(422).contentType("application/problem+json")
                .body("type", endsWith("ladder-above-queue-limit")).body("detail", containsString("owner-max-queued-jobs = 4"));
        // Nothing of the refused requests was queued.
        given().header("Authorization", other).get("/packaged_content").then().statusCode(200).body("size()", equalTo(0));
    }

    @Test
    void aKeySendsOneUploadAtATimeHere() throws Exception {
        String first = key("two-keys");
        String second = key("two-keys");
        byte[] clip = Files.readAllBytes(TestMedia.h264Aac());
        try (Socket slow = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = slow.getOutputStream();
            out.write(("POST /upload_input_content HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + first
                    + "\r\nContent-Type: video/mp4\r\nContent-Length: " + clip.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(clip, 0, 1000);
            out.flush();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> upload("Bearer " + first, clip)
                    .statusCode() == 429);
            // The same owner's other key still uploads.
            upload("Bearer " + second, clip).then().statusCode(201);
        }
    }

    private static io.restassured.response.Response upload(String authorization, byte[] body) {
        return given().header("Authorization", authorization).contentType("video/mp4").body(body).post("/upload_input_content");
    }

    private static String key(String owner) {
        return Api.given().contentType(ContentType.JSON).body(Map.of("owner", owner, "scopes", List.of("upload", "package", "read")))
                .post("/api_keys").then().statusCode(201).extract().path("key");
    }
}
