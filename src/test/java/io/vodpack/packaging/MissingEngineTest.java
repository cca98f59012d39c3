package io.vodpack.packaging;

import static io.vodpack.support.Api.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** Readiness tells an operator, with the reason, that the configured engine cannot run. */
@QuarkusTest
@TestProfile(MissingEngineTest.Profile.class)
class MissingEngineTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("vodpack.packaging.shaka.path", "/nonexistent/packager");
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
}
