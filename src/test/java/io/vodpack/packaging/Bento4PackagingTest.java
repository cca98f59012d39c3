package io.vodpack.packaging;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vodpack.support.Api;
import io.vodpack.support.TestMedia;

/**
 * The Bento4 engine end to end. Bento4 >= 1.6 (mp4fragment, mp4dash with cbcs) is not installable from the
 * registries this project's CI reaches; the Docker images install it, and this test runs wherever it is on the PATH.
 */
@QuarkusTest
@TestProfile(Bento4PackagingTest.Profile.class)
@EnabledIf(value = "bento4Installed", disabledReason = "Bento4 mp4fragment/mp4dash >= 1.6 not on the PATH: skipped (the Docker image has them)")
class Bento4PackagingTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("vodpack.packaging.engine", "bento4");
        }
    }

    static boolean bento4Installed() {
        return TestMedia.onPath("mp4dash") && TestMedia.onPath("mp4fragment");
    }

    @Test
    void bento4PackagesACbcsClearKeyStream() throws Exception {
        long job = Api.startPackaging(Api.upload(TestMedia.h264Aac()), PackagingFlowTest.KEY, PackagingFlowTest.KID);
        String url = Api.awaitFinished(job, Duration.ofSeconds(120)).then().statusCode(200)
                .body("engine", equalTo("bento4")).extract().jsonPath().getString("url");
        String mpd = given().get(url).then().statusCode(200).extract().asString();
        assertThat(mpd).contains("value=\"cbcs\"").containsIgnoringCase("a16e402b-9056-e371-f36d-348aa62bb749")
                .contains("urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e");
    }
}
