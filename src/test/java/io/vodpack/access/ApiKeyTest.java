package io.vodpack.access;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.vodpack.access.apikey.ApiKeySecret;
import io.vodpack.support.Db;

/** API keys as an operator uses them: created by an admin, shown once, stored as a hash, scoped, revoked. */
@QuarkusTest
class ApiKeyTest {

    @ConfigProperty(name = "vodpack.security.admin-api-key")
    String adminKey;

    @Inject
    AgroalDataSource db;

    private Response create(String owner, List<String> scopes) {
        return given().header("Authorization", "Bearer " + adminKey).contentType(ContentType.JSON)
                .body(Map.of("owner", owner, "scopes", scopes)).post("/api_keys");
    }

    @Test
    void keysAreCreatedByAnAdminAndTheSecretIsStoredOnlyAsItsHash() {
        Response created = create("acme", List.of("upload", "package", "read"));
        created.then().statusCode(201).header("Location", containsString("/api_keys/"))
                .body("owner", equalTo("acme")).body("scopes", equalTo(List.of("upload", "package", "read")))
                .body("key", startsWith(ApiKeySecret.PREFIX));
        String secret = created.jsonPath().getString("key");
        long id = created.jsonPath().getLong("id");
        assertThat(secret.length()).isGreaterThanOrEqualTo(ApiKeySecret.PREFIX.length() + 32);
        assertThat(Db.string(db, "SELECT secret_sha256 FROM api_key WHERE id = ?", id)).isEqualTo(ApiKeySecret.hash(secret));
        assertThat(Db.count(db, "SELECT count(*) FROM api_key WHERE prefix || secret_sha256 || owner || scopes LIKE ?",
                "%" + secret.substring(ApiKeySecret.PREFIX.length()) + "%")).isZero();
        given().header("Authorization", "Bearer " + adminKey).get("/api_keys").then().statusCode(200)
                .body("id", hasItem((int) id)).body(not(containsString(secret)));
    }

    @Test
    void noKeyOrAnUnknownKeyGets401WithABearerChallenge() {
        given().get("/api_keys").then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", startsWith("Bearer")).body("status", equalTo(401));
        given().header("Authorization", "Bearer vpk_thisKeyDoesNotExist000000000000000").get("/api_keys").then()
                .statusCode(401).contentType("application/problem+json").header("WWW-Authenticate", startsWith("Bearer"));
        given().header("Authorization", "Basic dXNlcjpwYXNz").get("/api_keys").then().statusCode(401)
                .contentType("application/problem+json");
    }

    @Test
    void aKeyWithoutTheAdminScopeGets403() {
        String secret = create("viewer-co", List.of("read")).then().statusCode(201).extract().path("key");
        given().header("Authorization", "Bearer " + secret).get("/api_keys").then().statusCode(403)
                .contentType("application/problem+json").body("status", equalTo(403));
    }

    @Test
    void badOwnerOrScopesGet400() {
        create("", List.of("read")).then().statusCode(400).contentType("application/problem+json");
        create("acme", List.of("everything")).then().statusCode(400).body("detail", containsString("everything"));
        create("acme", List.of()).then().statusCode(400);
    }

    @Test
    void aRevokedKeyIsRefusedWithinTheCacheTime() {
        Response created = create("leaver", List.of("read", "admin"));
        String secret = created.jsonPath().getString("key");
        long id = created.jsonPath().getLong("id");
        given().header("Authorization", "Bearer " + secret).get("/api_keys").then().statusCode(200);
        given().header("Authorization", "Bearer " + adminKey).delete("/api_keys/" + id).then().statusCode(204);
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> given()
                .header("Authorization", "Bearer " + secret).get("/api_keys").then().statusCode(401));
        assertThat(Db.count(db, "SELECT count(*) FROM api_key WHERE id = ? AND revoked_at IS NOT NULL", id)).isEqualTo(1);
    }

    @Test
    void useIsRecorded() {
        Response created = create("busy", List.of("admin"));
        long id = created.jsonPath().getLong("id");
        given().header("Authorization", "Bearer " + created.jsonPath().getString("key")).get("/api_keys").then()
                .statusCode(200);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(
                () -> Db.count(db, "SELECT count(*) FROM api_key WHERE id = ? AND last_used_at IS NOT NULL", id) == 1);
    }

    @Test
    void theLastAdminKeyCannotBeRevoked() {
        long envKeyId = Db.count(db, "SELECT id FROM api_key WHERE secret_sha256 = ?", ApiKeySecret.hash(adminKey));
        // Revoke every other admin key first, so the environment's key is the last one.
        for (Object other : given().header("Authorization", "Bearer " + adminKey).get("/api_keys?size=200").jsonPath()
                .getList("findAll { it.scopes.contains('admin') && it.revoked_at == null && it.id != " + envKeyId + " }.id")) {
            given().header("Authorization", "Bearer " + adminKey).delete("/api_keys/" + other).then().statusCode(204);
        }
        given().header("Authorization", "Bearer " + adminKey).delete("/api_keys/" + envKeyId).then().statusCode(409)
                .contentType("application/problem+json");
    }

    @Test
    void jwksIsPublic() {
        given().get("/.well-known/jwks.json").then().statusCode(200).body("keys[0].kty", equalTo("EC"))
                .body("keys[0].crv", equalTo("P-256")).body("keys[0]", not(org.hamcrest.Matchers.hasKey("d")));
    }
}
