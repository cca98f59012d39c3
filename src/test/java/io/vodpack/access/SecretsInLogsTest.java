package io.vodpack.access;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.vodpack.support.Api;
import io.vodpack.support.TestMedia;

/** A whole flow, from a new key to a license, leaves no key secret, playback token or content key in the log. */
@QuarkusTest
class SecretsInLogsTest {

    static final String KEY = "3q2-796tvu_erb7v3q2-7w";
    static final String KEY_HEX = "dead beef dead beef dead beef dead beef".replace(" ", "");
    static final String KID = "EjRWeJq83vASNFZ4mrze8A";

    @Test
    void aFullFlowWritesNoSecretToTheLog() throws Exception {
        assertThat(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.HexFormat.of().parseHex(
                "deadbeefdeadbeefdeadbeefdeadbeef"))).isEqualTo("3q2-796tvu_erb7v3q2-7w");
        String secret = Api.given().contentType(ContentType.JSON)
                .body(Map.of("owner", "logger", "scopes", List.of("upload", "package", "read", "delete"))).post("/api_keys")
                .then().statusCode(201).extract().path("key");
        String auth = "Bearer " + secret;
        long input = given().header("Authorization", auth).contentType("video/mp4")
                .body(Files.readAllBytes(TestMedia.h264Aac())).post("/upload_input_content").then().statusCode(201)
                .extract().jsonPath().getLong("input_content_id");
        long job = given().header("Authorization", auth).contentType(ContentType.JSON)
                .body(Map.of("input_content_id", input, "key", KEY, "kid", KID)).post("/packaged_content")
                .then().statusCode(202).extract().jsonPath().getLong("packaged_content_id");
        Response done = null;
        for (int i = 0; i < 240; i++) {
            done = given().header("Authorization", auth).get("/packaged_content/" + job);
            if (done.statusCode() != 202) {
                break;
            }
            Thread.sleep(250);
        }
        assertThat(done.statusCode()).isEqualTo(200);
        String url = done.jsonPath().getString("url");
        String token = url.substring(url.indexOf("token=") + 6);
        given().get(url).then().statusCode(200);
        given().contentType(ContentType.JSON).body(Map.of("kids", List.of(KID), "type", "temporary"))
                .post(done.jsonPath().getString("license_url")).then().statusCode(200);
        given().get(url.replace(token, token.substring(0, token.length() - 3) + "xyz")).then().statusCode(401);
        given().get(done.jsonPath().getString("hls_url")).then().statusCode(200);
        given().get("/content/" + job + "/video.m3u8?token=" + token).then().statusCode(200);
        given().get("/license/hls/" + job + "?token=" + token).then().statusCode(200);
        given().get("/license/hls/" + job + "?token=" + token.substring(0, token.length() - 3) + "xyz").then().statusCode(401);
        given().header("Authorization", "Bearer vpk_wrongwrongwrongwrongwrongwrong00").get("/input_content").then()
                .statusCode(401);

        Thread.sleep(Duration.ofMillis(500).toMillis()); // let the file handler flush
        String log = Files.readString(Path.of("target", "quarkus-test.log"));
        assertThat(log).as("the log has this flow in it").contains("Job " + job);
        assertThat(log).doesNotContain(secret).doesNotContain(secret.substring(12))
                .doesNotContain(token).doesNotContain(token.substring(token.lastIndexOf('.') + 1))
                .doesNotContain(KEY).doesNotContain(KEY_HEX).doesNotContain("vpk_wrongwrongwrong")
                .doesNotContain(Api.ADMIN_KEY);
    }
}
