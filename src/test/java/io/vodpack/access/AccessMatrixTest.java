package io.vodpack.access;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.startsWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.vodpack.support.Api;
import io.vodpack.support.TestMedia;

/**
 * Every operation of the OpenAPI document, tried with no key, a bad key, a revoked key, a key without the
 * scope and another owner's key. An operation that is neither listed as public nor given a scope here fails
 * the test: nothing becomes public by accident.
 */
@QuarkusTest
class AccessMatrixTest {

    /** Operations that need no API key; the stream, license and player need a playback token instead. */
    static final Set<String> PUBLIC = Set.of("GET /.well-known/jwks.json", "OPTIONS /files",
            "GET /content/{packaged_content_id}/{file}", "HEAD /content/{packaged_content_id}/{file}",
            "GET /player/{packaged_content_id}", "POST /license/clearkey", "POST /license/clearkey/{id}",
            "GET /license/hls/{id}");

    /** The scope each other operation needs. */
    static final Map<String, String> SCOPE = new LinkedHashMap<>();
    static {
        SCOPE.put("POST /upload_input_content", "upload");
        SCOPE.put("PUT /upload_input_content", "upload");
        SCOPE.put("POST /files", "upload");
        SCOPE.put("HEAD /files/{id}", "upload");
        SCOPE.put("GET /files/{id}", "upload");
        SCOPE.put("PATCH /files/{id}", "upload");
        SCOPE.put("POST /files/{id}", "upload");
        SCOPE.put("DELETE /files/{id}", "upload");
        SCOPE.put("GET /input_content", "read");
        SCOPE.put("GET /input_content/{id}", "read");
        SCOPE.put("DELETE /input_content/{id}", "delete");
        SCOPE.put("POST /packaged_content", "package");
        SCOPE.put("GET /packaged_content", "read");
        SCOPE.put("GET /packaged_content/{id}", "read");
        SCOPE.put("GET /packaged_content/{id}/events", "read");
        SCOPE.put("DELETE /packaged_content/{id}", "delete");
        SCOPE.put("POST /packaged_content/{id}/playback_tokens", "read");
        SCOPE.put("POST /webhooks", "read");
        SCOPE.put("GET /webhooks", "read");
        SCOPE.put("DELETE /webhooks/{id}", "read");
        SCOPE.put("GET /webhooks/{id}/deliveries", "read");
        SCOPE.put("POST /api_keys", "admin");
        SCOPE.put("GET /api_keys", "admin");
        SCOPE.put("DELETE /api_keys/{id}", "admin");
    }

    static final List<String> USER_SCOPES = List.of("upload", "package", "read", "delete");

    Map<String, Object> document;

    @BeforeEach
    void readDocument() {
        document = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200).extract().jsonPath().getMap("$");
    }

    @SuppressWarnings("unchecked")
    private List<String> operations() {
        List<String> operations = new ArrayList<>();
        Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) document.get("paths");
        paths.forEach((path, methods) -> methods.keySet().stream()
                .filter(m -> Set.of("get", "put", "post", "delete", "options", "head", "patch").contains(m))
                .forEach(m -> operations.add(m.toUpperCase() + " " + path)));
        return operations;
    }

    @SuppressWarnings("unchecked")
    private Object security(String operation) {
        String[] parts = operation.split(" ", 2);
        Map<String, Map<String, Map<String, Object>>> paths = (Map<String, Map<String, Map<String, Object>>>) document.get("paths");
        return paths.get(parts[1]).get(parts[0].toLowerCase()).get("security");
    }

    @Test
    void everyOperationIsPublicOnPurposeOrNeedsAScope() {
        Set<String> unclassified = new TreeSet<>();
        for (String operation : operations()) {
            if (!PUBLIC.contains(operation) && !SCOPE.containsKey(operation)) {
                unclassified.add(operation);
            }
        }
        assertThat(unclassified).as("operations with no decision about who may call them").isEmpty();
        assertThat(SCOPE.keySet()).as("the document lists every protected operation").isSubsetOf(operations());
        for (String operation : SCOPE.keySet()) {
            assertThat(security(operation)).as("security requirement of " + operation).isNotNull();
        }
    }

    @Test
    void withoutAValidKeyEveryProtectedOperationIs401() {
        String revoked = createKey("revoked-owner", List.of("upload", "package", "read", "delete", "admin"));
        long revokedId = keyId(revoked);
        Api.given().delete("/api_keys/" + revokedId).then().statusCode(204);
        Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> given().header("Authorization", "Bearer " + revoked).get("/api_keys").statusCode() == 401);
        Map<String, String> credentials = new LinkedHashMap<>();
        credentials.put("no key", null);
        credentials.put("unknown key", "Bearer vpk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        credentials.put("malformed header", "Basic YWRtaW46YWRtaW4=");
        credentials.put("revoked key", "Bearer " + revoked);
        for (String operation : SCOPE.keySet()) {
            for (Map.Entry<String, String> credential : credentials.entrySet()) {
                Response response = call(operation, credential.getValue(), Map.of("id", "1"));
                assertThat(response.statusCode()).as(operation + " with " + credential.getKey()).isEqualTo(401);
                assertThat(response.header("WWW-Authenticate")).as(operation + " challenge").startsWith("Bearer");
                if (!operation.startsWith("HEAD")) {
                    assertThat(response.contentType()).as(operation + " body").startsWith("application/problem+json");
                }
            }
        }
    }

    @Test
    void aKeyWithoutTheScopeIs403() {
        for (Map.Entry<String, String> entry : SCOPE.entrySet()) {
            List<String> others = USER_SCOPES.stream().filter(s -> !s.equals(entry.getValue())).toList();
            String key = createKey("scoped-owner", others);
            Response response = call(entry.getKey(), "Bearer " + key, Map.of("id", "1"));
            assertThat(response.statusCode()).as(entry.getKey() + " with scopes " + others).isEqualTo(403);
            if (!entry.getKey().startsWith("HEAD")) {
                assertThat(response.contentType()).startsWith("application/problem+json");
            }
        }
    }

    @Test
    void anotherOwnersIdsAre404AndListsShowOnlyOwnRows() throws Exception {
        String alice = "Bearer " + createKey("alice", USER_SCOPES);
        String bob = "Bearer " + createKey("bob", USER_SCOPES);
        long input = given().header("Authorization", alice).contentType("video/mp4")
                .body(java.nio.file.Files.readAllBytes(TestMedia.h264Aac())).post("/upload_input_content")
                .then().statusCode(201).extract().jsonPath().getLong("input_content_id");
        long job = given().header("Authorization", alice).contentType(ContentType.JSON)
                .body(Map.of("input_content_id", input)).post("/packaged_content").then().statusCode(202)
                .extract().jsonPath().getLong("packaged_content_id");
        String upload = given().header("Authorization", alice).header("Tus-Resumable", "1.0.0").header("Upload-Length", "100")
                .post("/files").then().statusCode(201).extract().header("Location");
        String uploadId = upload.substring(upload.lastIndexOf('/') + 1);

        Map<String, String> ids = Map.of("/input_content/{id}", Long.toString(input), "/packaged_content/{id}",
                Long.toString(job), "/packaged_content/{id}/playback_tokens", Long.toString(job), "/packaged_content/{id}/events", Long.toString(job),
                "/files/{id}", uploadId);
        for (String operation : SCOPE.keySet()) {
            String path = operation.split(" ", 2)[1];
            if (!ids.containsKey(path)) {
                continue;
            }
            Response response = call(operation, bob, Map.of("id", ids.get(path)));
            assertThat(response.statusCode()).as(operation + " on alice's id by bob").isEqualTo(404);
        }
        given().header("Authorization", bob).contentType(ContentType.JSON).body(Map.of("input_content_id", input))
                .post("/packaged_content").then().statusCode(404).contentType("application/problem+json");
        assertThat(given().header("Authorization", bob).get("/input_content?size=200").jsonPath().getList("input_content_id"))
                .doesNotContain((int) input);
        assertThat(given().header("Authorization", bob).get("/packaged_content?size=200").jsonPath().getList("packaged_content_id"))
                .doesNotContain((int) job);
        // Alice still has all of it.
        given().header("Authorization", alice).get("/input_content/" + input).then().statusCode(200);
        given().header("Authorization", alice).header("Tus-Resumable", "1.0.0").head("/files/" + uploadId).then().statusCode(200);
        assertThat(given().header("Authorization", alice).get("/packaged_content?size=200").jsonPath().getList("packaged_content_id"))
                .contains((int) job);
    }

    private Response call(String operation, String authorization, Map<String, String> params) {
        String[] parts = operation.split(" ", 2);
        String path = parts[1].replace("{id}", params.getOrDefault("id", "1"));
        RequestSpecification request = given().header("Tus-Resumable", "1.0.0");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        switch (parts[0]) {
            case "POST", "PUT" -> {
                if (path.startsWith("/files/")) {
                    request.contentType("application/offset+octet-stream").header("X-HTTP-Method-Override", "PATCH")
                            .header("Upload-Offset", "0").body(new byte[0]);
                } else {
                    request.contentType(path.startsWith("/upload") ? "video/mp4" : "application/json").header("Upload-Length", "100")
                            .body(path.startsWith("/upload") ? new byte[16]
                                    : "{\"input_content_id\": 1, \"owner\": \"x\", \"scopes\": [\"read\"]}".getBytes());
                }
            }
            case "PATCH" -> request.contentType("application/offset+octet-stream").header("Upload-Offset", "0").body(new byte[0]);
            default -> {
            }
        }
        return request.request(parts[0], path);
    }

    private static String createKey(String owner, List<String> scopes) {
        return Api.given().contentType(ContentType.JSON).body(Map.of("owner", owner, "scopes", scopes)).post("/api_keys")
                .then().statusCode(201).extract().path("key");
    }

    private static long keyId(String secret) {
        return Api.given().get("/api_keys?size=200").jsonPath()
                .getLong("find { it.prefix == '" + secret.substring(0, 12) + "' }.id");
    }
}
