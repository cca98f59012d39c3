package io.vodpack.core;

import static io.vodpack.support.Api.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import org.hamcrest.Matcher;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/**
 * A JSON body of the wrong shape gets a 400 problem that names the field and the type it should have,
 * as a new user typing bodies by hand would hope.
 */
@QuarkusTest
class JsonBodyShapeTest {

    @jakarta.inject.Inject
    io.vodpack.access.playback.PlaybackTokens tokens;

    private static final String KID = "oW5AK5BW43HzbTSKpiu3SQ";

    @Test
    void arrayBodyForAPackagingJobIsAProblemAskingForAnObject() {
        order("[1, 2]").body("detail", equalTo("The request body must be an object, not an array."));
    }

    @Test
    void stringBodyForAPackagingJobIsAProblemAskingForAnObject() {
        order("\"abc\"").body("detail", equalTo("The request body must be an object, not a string."));
    }

    @Test
    void numberBodyForAPackagingJobIsAProblemAskingForAnObject() {
        order("42").body("detail", equalTo("The request body must be an object, not a number."));
    }

    @Test
    void stringInputContentIdIsAProblemAskingForAnInteger() {
        order("{\"input_content_id\": \"abc\"}").body("detail", equalTo("'input_content_id' must be an integer, not \"abc\".")).body("field", equalTo("input_content_id"));
    }

    @Test
    void arrayKidIsAProblemAskingForAString() {
        order("{\"input_content_id\": 1, \"kid\": [\"" + KID + "\"]}").body("detail", equalTo("'kid' must be a string, not an array.")).body("field", equalTo("kid"));
    }

    @Test
    void objectKeyIsAProblemAskingForAString() {
        order("{\"input_content_id\": 1, \"key\": {\"k\": \"v\"}}").body("detail", equalTo("'key' must be a string, not an object.")).body("field", equalTo("key"));
    }

    @Test
    void malformedJsonIsAProblemSayingWhereItBroke() {
        order("{\"input_content_id\": 1,").body("detail", allOf(containsString("not valid JSON"), containsString("line 1")))
                .body("type", equalTo("urn:vodpack:problem:malformed-json"));
    }

    @Test
    void emptyBodyIsAProblemNamingTheRequiredField() {
        order("").body("detail", allOf(containsString("input_content_id"), containsString("required")));
    }

    @Test
    void kidsThatAreNotAnArrayAreALicenseProblemNamingKids() {
        license("/license/clearkey", "{\"kids\": \"" + KID + "\"}").body("detail", namesAnArrayOfKids());
        license("/license/clearkey/1", "{\"kids\": 7}").body("detail", namesAnArrayOfKids());
    }

    @Test
    void nullAmongTheKidsIsALicenseProblemNotAServerError() {
        license("/license/clearkey", "{\"kids\": [null]}").body("detail", namesAnArrayOfKids());
        license("/license/clearkey/1", "{\"kids\": [null]}").body("detail", namesAnArrayOfKids());
    }

    private static ValidatableResponse order(String body) {
        return given().contentType(ContentType.JSON).body(body).post("/packaged_content").then().log().ifValidationFails()
                .statusCode(400).contentType("application/problem+json")
                .body("status", equalTo(400)).body("title", equalTo("Bad request"))
                .body("type", startsWith("urn:vodpack:problem:")).body("instance", equalTo("/packaged_content"));
    }

    /** A license request with a valid playback token for the content the path names (content 1 when none). */
    private ValidatableResponse license(String path, String body) {
        return given().contentType(ContentType.JSON).body(body).queryParam("token", tokens.mint(1, null).token())
                .post(path).then().log().ifValidationFails()
                .statusCode(400).contentType("application/problem+json")
                .body("status", equalTo(400)).body("instance", equalTo(path));
    }

    /** The license resource words its own detail: an example array of KID strings, or the mapper's JSON path. */
    private static Matcher<String> namesAnArrayOfKids() {
        return allOf(containsString("kids"), anyOf(containsString("[\"<base64url KID>\"]"), containsString("a string"),
                containsString("an array")));
    }
}
