package io.vodpack.core;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** Both pages load the one shared script that words failed requests, before their own script. */
@QuarkusTest
class PageScriptsTest {

    @jakarta.inject.Inject
    io.vodpack.access.playback.PlaybackTokens tokens;

    @Test
    void startPageAndPlayerLoadTheSharedErrorWordingFirst() {
        assertSharedScriptBefore(given().get("/").then().statusCode(200).extract().asString(), "/index.js");
        assertSharedScriptBefore(given().queryParam("token", tokens.mint(1, null).token()).get("/player/1").then().statusCode(200).extract().asString(), "/player.js");
        given().get("/vodpack-common.js").then().statusCode(200).contentType(containsString("javascript"))
                .body(containsString("problemText"), containsString("networkText"), containsString("readJson"));
    }

    private static void assertSharedScriptBefore(String page, String own) {
        int shared = page.indexOf("<script src=\"/vodpack-common.js\"></script>");
        assertThat(shared).as("shared script tag").isNotNegative();
        assertThat(page.indexOf("<script src=\"" + own + "\"></script>")).as(own + " after the shared script").isGreaterThan(shared);
    }
}
