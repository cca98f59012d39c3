package io.vodpack.packaging;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vodpack.support.Api;
import io.vodpack.support.Db;
import io.vodpack.support.TestMedia;

/** One KID, one key: nobody can package with another content's KID and so take over its by-KID license. */
@QuarkusTest
class ContentKeyBindingTest {

    @jakarta.inject.Inject
    io.vodpack.access.playback.PlaybackTokens tokens;

    @Inject
    AgroalDataSource db;

    long input;
    ContentKey kid;
    ContentKey key;

    @BeforeEach
    void freshKid() throws Exception {
        input = Api.upload(TestMedia.h264Aac());
        kid = ContentKey.random();
        key = ContentKey.random();
    }

    @Test
    void aKidAlreadyBoundToAnotherKeyIsRefusedWith409() {
        long owner = Api.startPackaging(input, key.base64url(), kid.base64url());
        Api.awaitFinished(owner, Duration.ofSeconds(60)).then().statusCode(200);
        given().contentType(ContentType.JSON)
                .body(Map.of("input_content_id", input, "key", ContentKey.random().base64url(), "kid", kid.base64url()))
                .post("/packaged_content").then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("KID"));
        // The same KID with its own key is fine (the same content packaged again), in any spelling.
        Api.startPackaging(input, key.hex(), kid.base64url());
        // The by-KID license answers with the one key bound to the KID.
        given().contentType(ContentType.JSON).body(Map.of("kids", new String[] { kid.base64url() }))
                .queryParam("token", tokens.mint(owner, null).token())
                .post("/license/clearkey").then().statusCode(200).body("keys[0].k", equalTo(key.base64url()));
    }

    @Test
    void theDatabaseRefusesAJobWhoseKeyDisagreesWithItsKidsBinding() {
        Api.startPackaging(input, key.base64url(), kid.base64url());
        assertThatThrownBy(() -> Db.update(db, "insert into packaging_job (input_content_id, status, engine, key_hex, kid_hex,"
                + " key_text, kid_text, attempts, created_at, owner) values (?, 'QUEUED', 'shaka', ?, ?, 'x', 'y', 0, now(), 'admin')",
                input, ContentKey.random().hex(), kid.hex())).hasMessageContaining("packaging_job_bound_key");
        assertThatThrownBy(() -> Db.update(db, "insert into content_key (kid_hex, key_hex) values (?, ?)",
                key.hex(), key.hex())).hasMessageContaining("content_key_kid_is_not_key");
    }

    @Test
    void aKeyEqualToItsKidIsRefusedWith400() {
        given().contentType(ContentType.JSON).body(Map.of("input_content_id", input, "key", key.base64url(), "kid", key.hex()))
                .post("/packaged_content").then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("must differ"));
        assertThat(Db.count(db, "select count(*) from content_key where kid_hex = ?", key.hex())).isZero();
    }

    @Test
    void aLicenseRequestWithANullKidIsRefusedWith400() {
        given().contentType(ContentType.JSON).body("{\"kids\":[null]}").queryParam("token", tokens.mint(1, null).token())
                .post("/license/clearkey").then().statusCode(400)
                .contentType("application/problem+json");
    }
}
