package io.vodpack.packaging;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.access.playback.PlaybackTokens;
import io.vodpack.support.Api;
import io.vodpack.support.Db;
import io.vodpack.support.JobFolders;
import io.vodpack.support.StreamCheck;
import io.vodpack.support.TestMedia;

@QuarkusTest
class PackagingFlowTest {

    static final String KEY = "hyN9IKGfWKdAwFaE5pm0qg";
    static final String KID = "oW5AK5BW43HzbTSKpiu3SQ";
    static final String KEY_HEX = "87237d20a19f58a740c05684e699b4aa";
    static final String KID_HEX = "a16e402b9056e371f36d348aa62bb749";

    @Inject
    PlaybackTokens tokens;

    @Inject
    AgroalDataSource db;

    @Inject
    ContentStorage storage;

    @BeforeEach
    void needsMedia() {
        TestMedia.assumeFfmpeg();
    }

    @Test
    void packagedStreamIsCbcsEncryptedAndDecryptsToTheSourcePackets(@org.junit.jupiter.api.io.TempDir Path tmp)
            throws Exception {
        Path source = TestMedia.h264Aac();
        long input = Api.upload(source);
        Response created = given().contentType(ContentType.JSON)
                .body(Map.of("input_content_id", input, "key", KEY, "kid", KID)).post("/packaged_content");
        created.then().statusCode(202).body("status", equalTo("QUEUED"))
                .header("Location", containsString("/packaged_content/"));
        long job = created.jsonPath().getLong("packaged_content_id");

        Response done = Api.awaitFinished(job, Duration.ofSeconds(60));
        done.then().statusCode(200).body("status", equalTo("DONE"))
                .body("key", equalTo(KEY)).body("kid", equalTo(KID))
                .body("url", matchesPattern("http://[^/]+/content/" + job + "/stream\\.mpd\\?token=[A-Za-z0-9_.-]+"))
                .body("engine", equalTo("shaka"));
        String url = done.jsonPath().getString("url");

        byte[] mpdBytes = given().get(url).then().statusCode(200).contentType("application/dash+xml").extract().asByteArray();
        Document mpd = StreamCheck.parse(mpdBytes);
        assertThat(mpd.getDocumentElement().getAttribute("type")).isEqualTo("static");
        List<Element> sets = StreamCheck.elements(mpd, "AdaptationSet");
        assertThat(sets).extracting(e -> e.getAttribute("contentType")).containsExactlyInAnyOrder("video", "audio");
        for (Element set : sets) {
            List<Element> protections = StreamCheck.elements(mpd, "ContentProtection").stream()
                    .filter(cp -> cp.getParentNode() == set).toList();
            Element cenc = protections.stream()
                    .filter(cp -> "urn:mpeg:dash:mp4protection:2011".equals(cp.getAttribute("schemeIdUri"))).findFirst().orElseThrow();
            assertThat(cenc.getAttribute("value")).isEqualTo("cbcs");
            assertThat(cenc.getAttributeNS(StreamCheck.CENC_NS, "default_KID")).isEqualTo("a16e402b-9056-e371-f36d-348aa62bb749");
            Element clearKey = protections.stream()
                    .filter(cp -> "urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e".equals(cp.getAttribute("schemeIdUri")))
                    .findFirst().orElseThrow();
            assertThat(clearKey.getTextContent().strip()).contains("/license/clearkey/" + job);
        }

        for (String stream : List.of("video", "audio")) {
            Path encrypted = StreamCheck.downloadTrack(url, mpd, stream, tmp);
            // Encrypted packets differ from the source's: the stream really is encrypted from the first segment.
            List<String> sourcePackets = StreamCheck.packetHashes(source, stream);
            List<String> encryptedPackets = StreamCheck.packetHashes(encrypted, stream);
            assertThat(encryptedPackets.get(0)).as(stream + " first packet is encrypted").isNotEqualTo(sourcePackets.get(0));
            Path decrypted = StreamCheck.decrypt(encrypted, stream, KID_HEX, KEY_HEX);
            assertThat(StreamCheck.packetHashes(decrypted, stream)).as(stream + " packets after decryption")
                    .isEqualTo(sourcePackets);
        }
        // Nothing left in staging once published.
        assertThat(JobFolders.staging(storage, job)).isEmpty();
        assertThat(JobFolders.published(db, storage, job).resolve("stream.mpd")).exists();
        assertThat(Db.count(db, "select attempts from packaging_job where id = ?", job)).isEqualTo(1);
    }

    @Test
    void keysInHexAndPaddedBase64AreAcceptedAndEchoedAsSent() throws Exception {
        long input = Api.upload(TestMedia.h264Aac());
        given().contentType(ContentType.JSON)
                .body(Map.of("input_content_id", input, "key", KEY_HEX.toUpperCase(), "kid", "oW5AK5BW43HzbTSKpiu3SQ=="))
                .post("/packaged_content").then().statusCode(202)
                .body("key", equalTo(KEY_HEX.toUpperCase())).body("kid", equalTo("oW5AK5BW43HzbTSKpiu3SQ=="));
        long job = given().contentType(ContentType.JSON).body(Map.of("input_content_id", input, "key", KEY_HEX, "kid", KID))
                .post("/packaged_content").then().statusCode(202).extract().jsonPath().getLong("packaged_content_id");
        assertThat(Db.string(db, "select kid_hex from packaging_job where id = ?", job)).isEqualTo(KID_HEX);
        assertThat(Db.string(db, "select key_hex from packaging_job where id = ?", job)).isEqualTo(KEY_HEX);
    }

    @Test
    void omittedKeyAndKidAreGeneratedAndReturned() throws Exception {
        long input = Api.upload(TestMedia.h264Aac());
        Response response = given().contentType(ContentType.JSON).body(Map.of("input_content_id", input))
                .post("/packaged_content");
        response.then().statusCode(202)
                .body("key", matchesPattern("[A-Za-z0-9_-]{22}")).body("kid", matchesPattern("[A-Za-z0-9_-]{22}"));
        assertThat(response.jsonPath().getString("key")).isNotEqualTo(response.jsonPath().getString("kid"));
    }

    @Test
    void invalidKeyOrKidIsRejectedWith400NamingTheField() throws Exception {
        long input = Api.upload(TestMedia.h264Aac());
        long jobs = Db.count(db, "select count(*) from packaging_job");
        given().contentType(ContentType.JSON).body(Map.of("input_content_id", input, "key", "tooshort", "kid", KID))
                .post("/packaged_content").then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("'key' must be 16 bytes"));
        given().contentType(ContentType.JSON).body(Map.of("input_content_id", input, "key", KEY, "kid", "zz" + KID_HEX.substring(2)))
                .post("/packaged_content").then().statusCode(400).body("detail", containsString("'kid'"));
        given().contentType(ContentType.JSON).body(Map.of("key", KEY)).post("/packaged_content")
                .then().statusCode(400).body("detail", containsString("input_content_id"));
        given().contentType(ContentType.JSON).body("{not json").post("/packaged_content")
                .then().statusCode(400).contentType("application/problem+json");
        assertThat(Db.count(db, "select count(*) from packaging_job")).isEqualTo(jobs);
    }

    @Test
    void oversizedJsonBodyIsRefusedBeforeItIsRead() {
        given().contentType(ContentType.JSON).body(new byte[2 * 1024 * 1024]).post("/packaged_content")
                .then().statusCode(413).contentType("application/problem+json")
                .body("detail", containsString("at most 1048576 bytes"));
    }

    @Test
    void unknownInputIs404AndUnknownJobIs404() {
        given().contentType(ContentType.JSON).body(Map.of("input_content_id", 987654321, "key", KEY, "kid", KID))
                .post("/packaged_content").then().statusCode(404).contentType("application/problem+json");
        given().get("/packaged_content/987654321").then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void idempotencyKeyReturnsTheSameJobAndRejectsAnotherBody() throws Exception {
        long input = Api.upload(TestMedia.h264Aac());
        String idem = "retry-" + System.nanoTime();
        Map<String, Object> body = Map.of("input_content_id", input, "key", KEY, "kid", KID);
        long first = given().contentType(ContentType.JSON).header("Idempotency-Key", idem).body(body)
                .post("/packaged_content").then().statusCode(202).extract().jsonPath().getLong("packaged_content_id");
        given().contentType(ContentType.JSON).header("Idempotency-Key", idem).body(body).post("/packaged_content")
                .then().statusCode(202).header("Idempotent-Replayed", "true")
                .body("packaged_content_id", equalTo((int) first));
        given().contentType(ContentType.JSON).header("Idempotency-Key", idem)
                .body(Map.of("input_content_id", input, "key", KEY_HEX, "kid", KID)).post("/packaged_content")
                .then().statusCode(422).contentType("application/problem+json");
        assertThat(Db.count(db, "select count(*) from packaging_job where idempotency_key = ?", idem)).isEqualTo(1);
    }

    @Test
    void inputTheEngineRejectsEndsFailedWithTheEnginesReason(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        // Well-formed boxes (the upload accepts it) but an H.264 configuration record the engine cannot parse.
        byte[] bytes = Files.readAllBytes(TestMedia.h264Aac());
        int avcC = indexOf(bytes, "avcC".getBytes());
        bytes[avcC + 4] = (byte) 0xff; // configurationVersion must be 1
        Path damaged = tmp.resolve("bad-avcc.mp4");
        Files.write(damaged, bytes);
        long input = Api.upload(damaged);
        long job = Api.startPackaging(input, KEY, KID);
        Api.awaitFinished(job, Duration.ofSeconds(60)).then().statusCode(409)
                .contentType("application/problem+json")
                .body("status", equalTo("FAILED"))
                .body("detail", containsString("exited with code"))
                .body("detail", containsString("Cannot parse media file"));
        assertThat(JobFolders.allPublished(storage, job)).isEmpty();
        assertThat(JobFolders.staging(storage, job)).isEmpty();
        given().get("/content/" + job + "/stream.mpd?token=" + tokens.mint(job, null).token()).then().statusCode(404);
        String reason = Db.string(db, "select error_detail from packaging_job where id = ?", job);
        assertThat(reason).doesNotContain(KEY_HEX).doesNotContain(KEY);
    }

    @Test
    void storedInputDamagedAfterUploadFailsWithoutRunningTheEngine() throws Exception {
        long input = Api.upload(TestMedia.h264Aac());
        Path stored = storage.inputFile(Db.string(db, "select storage_name from input_content where id = ?", input));
        try (RandomAccessFile file = new RandomAccessFile(stored.toFile(), "rw")) {
            file.setLength(file.length() / 2);
        }
        long job = Api.startPackaging(input, KEY, KID);
        Api.awaitFinished(job, Duration.ofSeconds(60)).then().statusCode(409)
                .body("status", equalTo("FAILED")).body("detail", containsString("damaged"));
        assertThat(JobFolders.allPublished(storage, job)).isEmpty();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException("not found");
    }

    @Test
    void listFiltersByStatusAndPages() throws Exception {
        long input = Api.upload(TestMedia.h264Aac());
        long job = Api.startPackaging(input, KEY, KID);
        Api.awaitFinished(job, Duration.ofSeconds(60)).then().statusCode(200);
        List<Integer> done = given().queryParam("status", "done").queryParam("size", 200).get("/packaged_content")
                .then().statusCode(200).extract().jsonPath().getList("packaged_content_id", Integer.class);
        assertThat(done).contains((int) job);
        List<String> statuses = given().queryParam("status", "DONE").get("/packaged_content")
                .then().statusCode(200).extract().jsonPath().getList("status", String.class);
        assertThat(statuses).containsOnly("DONE");
        given().queryParam("status", "BOGUS").get("/packaged_content").then().statusCode(400)
                .contentType("application/problem+json");
    }

    @Test
    void aPageWhoseOffsetWouldOverflowIs400() {
        given().get("/packaged_content?page=2147483647").then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("page"));
        given().get("/packaged_content?page=100000&size=200").then().statusCode(200);
    }

    @Test
    void deletingADoneJobRemovesItsOutput() throws Exception {
        long input = Api.upload(TestMedia.h264Aac());
        long job = Api.startPackaging(input, KEY, KID);
        String url = Api.awaitFinished(job, Duration.ofSeconds(60)).then().statusCode(200).extract().jsonPath().getString("url");
        given().get(url).then().statusCode(200);
        given().delete("/packaged_content/" + job).then().statusCode(204);
        assertThat(JobFolders.allPublished(storage, job)).isEmpty();
        given().get(url).then().statusCode(404);
        given().get("/packaged_content/" + job).then().statusCode(404);
        assertThat(JobFolders.allPublished(storage, job)).isEmpty();
    }
}
