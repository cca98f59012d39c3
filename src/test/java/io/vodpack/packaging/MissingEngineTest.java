package io.vodpack.packaging;

import static io.vodpack.support.Api.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** Readiness tells an operator, with the reason, that the configured engine (or ffmpeg, when a ladder needs it) cannot run. */
@QuarkusTest
@TestProfile(MissingEngineTest.Profile.class)
class MissingEngineTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("vodpack.packaging.shaka.path", "/nonexistent/packager",
                    "vodpack.packaging.transcode.ffmpeg-path", "/nonexistent/ffmpeg");
        }
    }

    @Test
    void readinessIsDownNamingTheMissingExecutable() {
        given().get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'packaging-engine' }.status", org.hamcrest.Matchers.equalTo("DOWN"))
                .body("checks.find { it.name == 'packaging-engine' }.data.reason", containsString("/nonexistent/packager"));
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().body("checks.name", hasItem("Reactive PostgreSQL connections health check"));
    }

    @Test
    void transcoderIsDownWhileRenditionsWaitForAMissingFfmpeg() throws Exception {
        given().get("/q/health/ready").then()
                .body("checks.find { it.name == 'transcoder' }.status", org.hamcrest.Matchers.equalTo("UP"));
        long input = io.vodpack.support.Api.upload(io.vodpack.support.TestMedia.h264Aac());
        long job = given().contentType(io.restassured.http.ContentType.JSON).body("{\"input_content_id\": " + input
                + ", \"ladder\": [{\"height\": 240, \"video_bitrate\": 500}]}").post("/packaged_content")
                .then().statusCode(202).extract().jsonPath().getLong("packaged_content_id");
        given().get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'transcoder' }.status", org.hamcrest.Matchers.equalTo("DOWN"))
                .body("checks.find { it.name == 'transcoder' }.data.reason", containsString("/nonexistent/ffmpeg"));
        // ffmpeg stays missing: each rendition is tried max-attempts times, then the job fails saying why.
        io.vodpack.support.Api.awaitFinished(job, java.time.Duration.ofSeconds(60)).then().statusCode(409)
                .body("detail", containsString("ffmpeg not found at '/nonexistent/ffmpeg'"));
        given().get("/q/health/ready").then()
                .body("checks.find { it.name == 'transcoder' }.status", org.hamcrest.Matchers.equalTo("UP"));
    }
}
