package io.vodpack.delivery;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.access.playback.PlaybackTokens;
import io.vodpack.support.Api;
import io.vodpack.support.Db;
import io.vodpack.support.JobFolders;
import io.vodpack.support.TestMedia;

@QuarkusTest
class StreamDeliveryTest {

    static final String KEY = "hyN9IKGfWKdAwFaE5pm0qg";
    static final String KID = "oW5AK5BW43HzbTSKpiu3SQ";

    @Inject
    ContentStorage storage;

    @Inject
    AgroalDataSource db;

    static long job;
    static String base;
    static String token;

    @Inject
    PlaybackTokens tokens;

    /** One stream packaged for the whole class, on its first test. */
    @BeforeEach
    void packageOnce() throws Exception {
        TestMedia.assumeFfmpeg();
        if (base != null) {
            return;
        }
        job = Api.startPackaging(Api.upload(TestMedia.h264Aac()), KEY, KID);
        String url = Api.awaitFinished(job, Duration.ofSeconds(60)).then().statusCode(200).extract().jsonPath().getString("url");
        base = url.substring(0, url.lastIndexOf('/'));
        token = url.substring(url.indexOf("?token=") + 7);
    }

    private static String withToken(String path) {
        return path + "?token=" + token;
    }

    @Test
    void manifestHasItsMediaTypeShortCachingAndCors() {
        given().header("Origin", "https://player.example").get(withToken(base + "/stream.mpd")).then().statusCode(200)
                .contentType("application/dash+xml")
                .header("Cache-Control", "public, max-age=10")
                .header("Access-Control-Allow-Origin", "https://player.example")
                .header("ETag", org.hamcrest.Matchers.notNullValue());
    }

    @Test
    void segmentsAreImmutableAndServeByteRanges() throws Exception {
        byte[] file = Files.readAllBytes(JobFolders.published(db, storage, job).resolve("video/seg_1.m4s"));
        given().get(base + "/video/seg_1.m4s").then().statusCode(200).contentType("video/mp4")
                .header("Cache-Control", "public, max-age=31536000, immutable")
                .header("Accept-Ranges", "bytes")
                .header("Date", org.hamcrest.Matchers.endsWith(" GMT"))
                .header("Last-Modified", org.hamcrest.Matchers.endsWith(" GMT"));
        byte[] part = given().header("Range", "bytes=100-199").get(base + "/video/seg_1.m4s").then().statusCode(206)
                .header("Content-Range", "bytes 100-199/" + file.length).extract().asByteArray();
        assertThat(part).isEqualTo(Arrays.copyOfRange(file, 100, 200));
        given().head(base + "/video/init.mp4").then().statusCode(200)
                .header("Content-Length", String.valueOf(Files.size(JobFolders.published(db, storage, job).resolve("video/init.mp4"))));
    }

    /** Segment answers remember what the file was; a file removed from the disk behind the service's back is a 404. */
    @Test
    void aSegmentGoneFromTheDiskAfterItWasServedIs404() throws Exception {
        long other = Api.startPackaging(Api.upload(TestMedia.h264Aac()), KEY, KID);
        Api.awaitFinished(other, Duration.ofSeconds(60)).then().statusCode(200);
        Path segment = JobFolders.published(db, storage, other).resolve("audio/seg_2.m4s");
        byte[] whole = Files.readAllBytes(segment);
        assertThat(given().get("/content/" + other + "/audio/seg_2.m4s").then().statusCode(200).extract().asByteArray())
                .isEqualTo(whole);
        given().header("Range", "bytes=-10").get("/content/" + other + "/audio/seg_2.m4s").then().statusCode(206)
                .header("Content-Range", "bytes " + (whole.length - 10) + "-" + (whole.length - 1) + "/" + whole.length);
        given().header("Range", "bytes=" + whole.length + "-").get("/content/" + other + "/audio/seg_2.m4s").then()
                .statusCode(416).header("Content-Range", "bytes */" + whole.length).contentType("application/problem+json");
        Files.delete(segment);
        given().get("/content/" + other + "/audio/seg_2.m4s").then().statusCode(404).contentType("application/problem+json")
                .header("ETag", org.hamcrest.Matchers.nullValue())
                .header("Cache-Control", org.hamcrest.Matchers.not(containsString("immutable")));
    }

    @Test
    void aPathDeeperThanAnyStreamIs404WithoutHarm() {
        String deep = "a/".repeat(2000);
        given().urlEncodingEnabled(false).get("/content/" + job + "/" + deep + "seg.m4s").then().statusCode(404)
                .contentType("application/problem+json");
        given().get(base + "/video/seg_1.m4s").then().statusCode(200);
    }

    @Test
    void conditionalRequestsGet304() {
        Response first = given().get(base + "/audio/seg_1.m4s");
        String etag = first.header("ETag");
        given().header("If-None-Match", etag).get(base + "/audio/seg_1.m4s").then().statusCode(304);
        given().header("If-Modified-Since", first.header("Last-Modified")).get(base + "/audio/seg_1.m4s").then().statusCode(304);
    }

    @Test
    void nothingOutsideAPublishedStreamIsReachable() throws Exception {
        Path published = JobFolders.published(db, storage, job);
        Files.createSymbolicLink(published.resolve("video/escape.m4s"), Path.of("/etc/hostname"));
        for (String path : new String[] {
                "/content/" + job + "/../" + job + "/stream.mpd",
                "/content/" + job + "/%2e%2e/%2e%2e/inputs",
                "/content/" + job + "/video%2F..%2Fstream.mpd",
                "/content/" + job + "/video/..%2f..%2f..%2fetc%2fpasswd",
                "/content//etc/passwd",
                "/content/" + job + "//etc/passwd",
                "/content/" + job + "/video/escape.m4s",
                "/content/" + job + "/",
                "/content/" + job + "/video",
                "/content/../inputs" }) {
            int status = given().urlEncodingEnabled(false).get(path).statusCode();
            assertThat(status).as(path).isIn(400, 404);
        }
        given().urlEncodingEnabled(false).get("/content/" + job + "/video/escape.m4s").then().statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void aJobIdWrittenWithLeadingZerosIs404NotAnotherStatus() {
        given().get("/content/0" + job + "/stream.mpd").then().statusCode(404).contentType("application/problem+json");
        given().get("/content/00" + job + "/video/init.mp4").then().statusCode(404);
        given().get("/content/" + job + "/video/no-such-segment.m4s").then().statusCode(404);
        given().post("/content/" + job + "/stream.mpd").then().statusCode(405);
    }

    @Test
    void theServedMpdCarriesAnAbsoluteLicenseUrlTheFileARelativeOne() throws Exception {
        String onDisk = Files.readString(JobFolders.published(db, storage, job).resolve("stream.mpd"));
        assertThat(onDisk).contains("<dashif:Laurl>../../license/clearkey/" + job + "</dashif:Laurl>");
        String served = given().get(withToken(base + "/stream.mpd")).then().statusCode(200).extract().asString();
        // Absolute, and carrying the playback token the MPD was fetched with: a player needs nothing else.
        assertThat(served).contains("<dashif:Laurl>" + base.replace("/content/" + job, "") + "/license/clearkey/" + job
                + "?token=" + token + "</dashif:Laurl>");
        assertThat(onDisk).doesNotContain("token");
    }

    @Test
    void onlyDoneJobsAreServed() throws Exception {
        long failed = Api.startPackaging(Api.upload(TestMedia.h264Aac()), KEY, KID);
        Api.awaitFinished(failed, Duration.ofSeconds(60));
        Db.update(db, "update packaging_job set status = 'FAILED' where id = ?", failed);
        // Files exist on disk, but the job is not DONE: nothing is served.
        assertThat(JobFolders.published(db, storage, failed).resolve("stream.mpd")).exists();
        given().get("/content/" + failed + "/stream.mpd?token=" + tokens.mint(failed, null).token()).then().statusCode(404);
        given().get("/content/987654/stream.mpd?token=" + tokens.mint(987654, null).token()).then().statusCode(404);
    }

    @Test
    void licenseReturnsTheKeyForTheKid() {
        given().contentType(ContentType.JSON).header("Origin", "https://player.example")
                .body(Map.of("kids", new String[] { KID }, "type", "temporary"))
                .post(withToken("/license/clearkey/" + job)).then().log().ifValidationFails().statusCode(200)
                .header("Access-Control-Allow-Origin", "https://player.example")
                .body("keys", hasSize(1)).body("keys[0].kty", equalTo("oct"))
                .body("keys[0].kid", equalTo(KID)).body("keys[0].k", equalTo(KEY)).body("type", equalTo("temporary"));
        // Players send the license message with other content types too.
        given().contentType("application/octet-stream")
                .body(("{\"kids\":[\"" + KID + "\"],\"type\":\"temporary\"}").getBytes())
                .post(withToken("/license/clearkey")).then().statusCode(200).body("keys[0].k", equalTo(KEY));
    }

    @Test
    void theManifestAndLicenseNeedTheContentsOwnPlaybackToken() {
        given().get(base + "/stream.mpd").then().statusCode(401).contentType("application/problem+json");
        given().get(base + "/stream.mpd?token=not-a-token").then().statusCode(401).contentType("application/problem+json");
        given().get(base + "/stream.mpd?token=" + tokens.mint(job + 1000, null).token()).then().statusCode(403)
                .contentType("application/problem+json");
        given().contentType(ContentType.JSON).body(Map.of("kids", new String[] { KID }))
                .post("/license/clearkey/" + job).then().statusCode(401);
        given().contentType(ContentType.JSON).body(Map.of("kids", new String[] { KID }))
                .post("/license/clearkey?token=" + tokens.mint(job + 1000, null).token()).then().statusCode(404);
        // Segments stay public: encrypted, immutable, cacheable.
        given().get(base + "/video/init.mp4").then().statusCode(200);
    }

    @Test
    void aKidOfOtherContentIs403UnknownContentIs404AndAMalformedRequestIs400() {
        given().contentType(ContentType.JSON).body(Map.of("kids", new String[] { "AAAAAAAAAAAAAAAAAAAAAA" }))
                .post(withToken("/license/clearkey/" + job)).then().statusCode(403).contentType("application/problem+json");
        given().contentType(ContentType.JSON).body(Map.of("kids", new String[] { KID }))
                .post("/license/clearkey/987654?token=" + tokens.mint(987654, null).token()).then().statusCode(404);
        given().contentType(ContentType.JSON).body("{}").post(withToken("/license/clearkey/" + job)).then().statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("kids"));
    }

    @Test
    void corsPreflightIsAnswered() {
        given().header("Origin", "https://player.example").header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type")
                .options("/license/clearkey/" + job).then().statusCode(200)
                .header("Access-Control-Allow-Origin", "https://player.example");
    }

    @Test
    void playerAndStartPagesAreServedWithThePlayerLibrary() {
        given().get(withToken("/player/" + job)).then().statusCode(200).contentType(containsString("text/html"))
                .body(containsString("shaka-player.compiled.js"));
        given().get("/vendor/shaka-player/shaka-player.compiled.js").then().statusCode(200);
        given().get("/").then().statusCode(200).body(containsString("Upload"));
    }
}
