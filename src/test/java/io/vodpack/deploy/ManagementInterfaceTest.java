package io.vodpack.deploy;

import static io.vodpack.support.Api.given;
import static org.hamcrest.Matchers.containsString;

import java.net.URL;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vodpack.support.Api;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The production build serves health, metrics, OpenAPI and Swagger UI on the management port only: a client of
 * the public port sees the application and nothing under /q. (The other tests keep /q on the main port.)
 */
@QuarkusTest
@TestProfile(ManagementInterfaceTest.AsInProduction.class)
class ManagementInterfaceTest {

    /** The management interface on, as application.properties sets it outside dev and test. */
    public static class AsInProduction implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.management.enabled", "true", "quarkus.management.test-port", "0");
        }
    }

    /** The management interface's root (its /q). */
    @TestHTTPResource(value = "", management = true)
    URL management;

    @Test
    void opsEndpointsAreNotOnThePublicPort() {
        for (String path : new String[] {"/q/health", "/q/health/ready", "/q/metrics", "/q/openapi", "/q/swagger-ui/"}) {
            given().get(path).then().statusCode(404);
        }
        given().get("/input_content").then().statusCode(200);
    }

    @Test
    void opsEndpointsAreOnTheManagementPort() {
        String base = management.getProtocol() + "://" + management.getHost() + ":" + management.getPort();
        given().get(base + "/q/health/ready").then().statusCode(200).body(containsString("UP"));
        given().get(base + "/q/health/live").then().statusCode(200);
        given().get(base + "/q/metrics").then().statusCode(200).body(containsString("http_server_requests"));
        given().queryParam("format", "json").get(base + "/q/openapi").then().statusCode(200)
                .body(containsString("/upload_input_content"));
        given().get(base + "/q/swagger-ui/").then().statusCode(200);
        given().get(base + "/input_content").then().statusCode(404);
    }
}
