package io.vodpack.replicas;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.restassured.http.ContentType;
import io.vodpack.support.Api;
import io.vodpack.support.ServiceProcess;

/**
 * Two replicas from the packaged jar, one database: a key revoked through one replica is refused by the other
 * within vodpack.security.key-cache (2 s).
 */
class RevocationAcrossReplicasIT {

    static final Map<String, String> SETTINGS = Map.of("db.schema", "vodpack_it_revocation",
            "quarkus.flyway.clean-disabled", "false", "vodpack.packaging.workers-enabled", "false");

    @Test
    void aKeyRevokedOnOneReplicaIsRefusedByTheOtherWithinTheCacheTime() throws Exception {
        Path storage = Files.createTempDirectory("vodpack-revocation");
        Map<String, String> first = new java.util.HashMap<>(SETTINGS);
        first.put("quarkus.flyway.clean-at-start", "true");
        try (ServiceProcess a = ServiceProcess.start("revocation-a", storage, first);
                ServiceProcess b = ServiceProcess.start("revocation-b", storage, SETTINGS)) {
            var created = given().header("Authorization", Api.AUTHORIZATION).contentType(ContentType.JSON)
                    .body(Map.of("owner", "leaving", "scopes", List.of("read"))).post(a.url("/api_keys"))
                    .then().statusCode(201).extract().jsonPath();
            String key = "Bearer " + created.getString("key");
            given().header("Authorization", key).get(b.url("/input_content")).then().statusCode(200);

            given().header("Authorization", Api.AUTHORIZATION).delete(a.url("/api_keys/" + created.getLong("id")))
                    .then().statusCode(204);
            long revokedAt = System.nanoTime();
            int status = 200;
            long elapsedMillis = 0;
            while (status != 401 && elapsedMillis < 10_000) {
                status = given().header("Authorization", key).get(b.url("/input_content")).statusCode();
                elapsedMillis = (System.nanoTime() - revokedAt) / 1_000_000;
                Thread.sleep(50);
            }
            System.out.printf("Replica B refused the revoked key after %d ms%n", elapsedMillis);
            assertThat(status).as("replica B refuses the revoked key").isEqualTo(401);
            assertThat(elapsedMillis).as("milliseconds until replica B refused it (key-cache 2 s)").isLessThanOrEqualTo(2_500);
        }
    }
}
