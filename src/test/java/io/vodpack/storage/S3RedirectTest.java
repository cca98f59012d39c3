package io.vodpack.storage;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.vodpack.support.Api;
import io.vodpack.support.Db;
import io.vodpack.support.TestMedia;

/** With {@code vodpack.delivery.redirect=true} a segment is a 302 to a presigned URL the S3 server answers; the MPD is served here. */
@QuarkusTest
@TestProfile(OwnS3ServerProfile.class)
class S3RedirectTest {

    @Inject
    AgroalDataSource db;

    @Test
    void segmentsRedirectToAPresignedUrlOfTheBucketAndTheMpdIsServedWithItsToken() throws Exception {
        TestMedia.assumeFfmpeg();
        long job = Api.startPackaging(Api.upload(TestMedia.h264Aac()), "hyN9IKGfWKdAwFaE5pm0qg", "oW5AK5BW43HzbTSKpiu3SQ");
        String url = Api.awaitFinished(job, Duration.ofSeconds(90)).then().statusCode(200).extract().jsonPath().getString("url");
        given().get(url).then().statusCode(200).contentType("application/dash+xml");
        String base = url.substring(0, url.lastIndexOf('/'));
        String location = given().redirects().follow(false).get(base + "/video/seg_1.m4s").then().statusCode(302)
                .header("Cache-Control", "no-store").extract().header("Location");
        assertThat(location).startsWith(OwnS3ServerProfile.server().endpoint().toString()).contains("X-Amz-Signature=")
                .contains("X-Amz-Expires=60");
        String folder = Db.string(db, "select output_folder from packaging_job where id = ?", job);
        byte[] viaBucket = RestAssured.given().urlEncodingEnabled(false).get(location).then().statusCode(200).extract().asByteArray();
        assertThat(viaBucket).isEqualTo(OwnS3ServerProfile.server().bytes(OwnS3ServerProfile.BUCKET,
                "packaged/" + folder + "/video/seg_1.m4s"));
        // A file that is not there is still a 404 here, never a redirect.
        given().redirects().follow(false).get(base + "/video/seg_999.m4s").then().statusCode(404);
    }
}
