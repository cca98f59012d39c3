package io.vodpack.replicas;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.restassured.http.ContentType;
import io.vodpack.support.Replica;

/**
 * Two replicas from the packaged jar, one database: a key revoked through one replica is refused by the other
 * within vodpack.security.key-cache (2 s).
 */
class RevocationAcrossReplicasIT {

    @Test
    void aKeyRevokedOnOneReplicaIsRefusedByTheOtherWithinTheCacheTime() throws Exception {
        Path storage = Files.createTempDirectory("vodpack-replicas");
        try (Replica a = Replica.start("vodpack_it_replicas", true, storage.resolve("a"), Map.of());
                Replica b = Replica.start("vodpack_it_replicas", false, storage.resolve("b"), Map.of())) {
            var created = given().header("Authorization", "Bearer " + Replica.ADMIN_KEY).contentType(ContentType.JSON)
                    .body(Map.of("owner", "leaving", "scopes", List.of("read"))).post(a.base() + "/api_keys")
                    .then().statusCode(201).extract().jsonPath();
            String key = "Bearer " + created.getString("key");
            given().header("Authorization", key).get(b.base() + "/input_content").then().statusCode(200);

            given().header("Authorization", "Bearer " + Replica.ADMIN_KEY).delete(a.base() + "/api_keys/" + created.getLong("id"))
                    .then().statusCode(204);
            long revokedAt = System.nanoTime();
            int status = 200;
            long elapsedMillis = 0;
            while (status != 401 && elapsedMillis < 10_000) {
                status = given().header("Authorization", key).get(b.base() + "/input_content").statusCode();
                elapsedMillis = (System.nanoTime() - revokedAt) / 1_000_000;
                Thread.sleep(50);
            }
            assertThat(status).as("replica B refuses the revoked key").isEqualTo(401);
            assertThat(elapsedMillis).as("milliseconds until replica B refused it (key-cache 2 s)").isLessThanOrEqualTo(2_500);
        }
    }
}
