package io.vodpack.access;

import static io.restassured.RestAssured.given;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** With allowed hosts set, a request for another host name (DNS rebinding) is refused; health probes are not. */
@QuarkusTest
@TestProfile(AllowedHostsTest.OnlyVodExample.class)
class AllowedHostsTest {

    public static class OnlyVodExample implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("vodpack.security.allowed-hosts", "vod.example.com,localhost");
        }
    }

    @Test
    void aRequestForAnotherHostGets421() {
        given().header("Host", "attacker.example").get("/.well-known/jwks.json").then().statusCode(421)
                .contentType("application/problem+json");
    }

    @Test
    void configuredHostsWithAnyPortAreServed() {
        given().header("Host", "vod.example.com:8443").get("/.well-known/jwks.json").then().statusCode(200);
        given().get("/.well-known/jwks.json").then().statusCode(200);
    }

    @Test
    void healthProbesAnswerWhateverTheHost() {
        given().header("Host", "10.1.2.3:8080").get("/q/health/live").then().statusCode(200);
    }
}
