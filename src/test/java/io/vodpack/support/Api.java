package io.vodpack.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.awaitility.Awaitility;

import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/** Small steps through the public API that many tests share. */
public final class Api {

    /** The admin key of the test profile (vodpack.security.admin-api-key in application.properties). */
    public static final String ADMIN_KEY = "test-admin-key-000000000000000000000000000";
    public static final String AUTHORIZATION = "Bearer " + ADMIN_KEY;

    private Api() {
    }

    /** A request with the test profile's admin key: what most tests, acting as the content's owner, send. */
    public static RequestSpecification given() {
        return RestAssured.given().header("Authorization", AUTHORIZATION);
    }

    /** A request with no credentials at all. */
    public static RequestSpecification anonymous() {
        return RestAssured.given();
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
