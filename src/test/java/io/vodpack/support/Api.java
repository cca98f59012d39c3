package io.vodpack.support;

import static io.restassured.RestAssured.given;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.awaitility.Awaitility;

import io.restassured.http.ContentType;
import io.restassured.response.Response;

/** Small steps through the public API that many tests share. */
public final class Api {

    private Api() {
    }

    public static long upload(Path file) throws Exception {
        return given().contentType("video/mp4").body(Files.readAllBytes(file)).post("/upload_input_content")
                .then().statusCode(201).extract().jsonPath().getLong("input_content_id");
    }

    public static long startPackaging(long inputId, String key, String kid) {
        Map<String, Object> body = new java.util.HashMap<>();
        body.put("input_content_id", inputId);
        if (key != null) {
            body.put("key", key);
        }
        if (kid != null) {
            body.put("kid", kid);
        }
        return given().contentType(ContentType.JSON).body(body).post("/packaged_content")
                .then().statusCode(202).extract().jsonPath().getLong("packaged_content_id");
    }

    /** Polls GET /packaged_content/{id} until it is no longer 202, and returns that answer. */
    public static Response awaitFinished(long jobId, Duration atMost) {
        Response[] last = new Response[1];
        Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(250)).until(() -> {
            last[0] = given().get("/packaged_content/" + jobId);
            return last[0].statusCode() != 202;
        });
        return last[0];
    }
}
