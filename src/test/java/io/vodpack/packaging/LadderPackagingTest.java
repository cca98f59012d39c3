package io.vodpack.packaging;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.nullValue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.support.Api;
import io.vodpack.support.Db;
import io.vodpack.support.StreamCheck;
import io.vodpack.support.TestMedia;

/** A ladder: renditions transcoded by real ffmpeg, packaged by real Shaka Packager into one MPD, checked from outside. */
@QuarkusTest
class LadderPackagingTest {

    static final String KEY = "hyN9IKGfWKdAwFaE5pm0qg";
    static final String KID = "oW5AK5BW43HzbTSKpiu3SQ";
    static final String KEY_HEX = "87237d20a19f58a740c05684e699b4aa";
    static final String KID_HEX = "a16e402b9056e371f36d348aa62bb749";

    @Inject
    AgroalDataSource db;

    @Inject
    ContentStorage storage;

    @Test
    void defaultLadderOfA1080pSourceGivesFiveRungsThatEachDecryptToTheirOwnTranscode() throws Exception {
        Path source = TestMedia.h264Aac1080p();
        long input = Api.upload(source);
        long job = startLadder(input, "default").then().statusCode(202)
                .body("stage", equalTo("TRANSCODING"))
                .body("renditions.name", contains("1080p", "720p", "540p", "360p", "234p", "audio"))
                .body("renditions.video_bitrate", contains(5000, 3000, 1800, 800, 400, null))
                .extract().jsonPath().getLong("packaged_content_id");
        // Hold the packaging (as a job waiting for space is held) to keep a copy of each transcode to compare with.
        Db.update(db, "update packaging_job set not_before = now() + interval '1 hour' where id = ?", job);
        Awaitility.await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250)).until(() -> Db.count(db,
                "select count(*) from packaging_job where parent_id = ? and status = 'DONE'", job) == 6);
        given().get("/packaged_content/" + job).then().statusCode(202).body("stage", equalTo("PACKAGING"))
                .body("progress", equalTo(90));
        Path tmp = Files.createTempDirectory("ladder-check");
        Path transcodes = tmp.resolve("transcodes");
        Files.createDirectories(transcodes);
        try (var files = Files.list(storage.renditionsFolder(job))) {
            for (Path file : files.toList()) {
                Files.copy(file, transcodes.resolve(file.getFileName()));
            }
        }
        Db.update(db, "update packaging_job set not_before = null where id = ?", job);

        Response done = Api.awaitFinished(job, Duration.ofSeconds(120));
        done.then().statusCode(200).body("status", equalTo("DONE")).body("progress", equalTo(100))
                .body("stage", nullValue())
                .body("renditions.status", everyItem(equalTo("DONE")));
        assertThat(Db.count(db, "select count(*) from packaging_job where parent_id = ? and kind = 'TRANSCODE'"
                + " and status = 'DONE'", job)).isEqualTo(6);

        String url = done.jsonPath().getString("url");
        Document mpd = StreamCheck.parse(given().get(url).then().statusCode(200).extract().asByteArray());
        List<Element> video = representations(mpd, "video");
        assertThat(video).extracting(r -> height(r))
                .containsExactlyInAnyOrder(1080, 720, 540, 360, 234);
        // Keyframes every segment in every rung: one segment timeline for all, so players switch at any boundary.
        String timeline = StreamCheck.timeline(video.get(0));
        assertThat(timeline).contains("[t=");
        for (Element representation : video) {
            assertThat(StreamCheck.timeline(representation)).as(height(representation) + "p timeline")
                    .isEqualTo(timeline);
        }

        for (Element representation : video) {
            int height = height(representation);
            Path encrypted = StreamCheck.downloadRepresentation(url, representation, tmp.resolve(height + "p-enc.mp4"));
            Path decrypted = StreamCheck.decrypt(encrypted, "video", KID_HEX, KEY_HEX);
            Path transcode = transcodes.resolve(height + "p.mp4");
            assertThat(StreamCheck.packetHashes(decrypted, "video")).as(height + "p packets after decryption")
                    .isNotEmpty().isEqualTo(StreamCheck.packetHashes(transcode, "video"));
            assertThat(StreamCheck.packetHashes(encrypted, "video")).as(height + "p is encrypted")
                    .isNotEqualTo(StreamCheck.packetHashes(transcode, "video"));
        }
        Element audio = representations(mpd, "audio").get(0);
        Path audioEncrypted = StreamCheck.downloadRepresentation(url, audio, tmp.resolve("audio-enc.mp4"));
        Path audioDecrypted = StreamCheck.decrypt(audioEncrypted, "audio", KID_HEX, KEY_HEX);
        assertThat(StreamCheck.packetHashes(audioDecrypted, "audio")).as("audio packets after decryption")
                .isNotEmpty().isEqualTo(StreamCheck.packetHashes(transcodes.resolve("audio.mp4"), "audio"));

        // The renditions were intermediate files: gone once the job ended.
        assertThat(storage.renditionsFolder(job)).doesNotExist();
    }

    @Test
    void ladderNeverUpscalesA720pSource() throws Exception {
        long input = Api.upload(TestMedia.h264Aac720p());
        long job = startLadder(input, "default").then().statusCode(202)
                .body("renditions.name", contains("720p", "540p", "360p", "234p", "audio"))
                .extract().jsonPath().getLong("packaged_content_id");
        Response done = Api.awaitFinished(job, Duration.ofSeconds(120));
        done.then().statusCode(200).body("status", equalTo("DONE"));
        Document mpd = StreamCheck.parse(given().get(done.jsonPath().getString("url")).then().statusCode(200)
                .extract().asByteArray());
        assertThat(representations(mpd, "video")).extracting(r -> height(r))
                .containsExactlyInAnyOrder(720, 540, 360, 234);
    }

    @Test
    void separateAudioSdAndHdKeysEachDecryptTheirTracksAndTheLicenseServesThemAll() throws Exception {
        long input = Api.upload(TestMedia.h264Aac720p());
        Map<String, String[]> pairs = new java.util.LinkedHashMap<>();
        for (String label : List.of("audio", "sd", "hd")) {
            pairs.put(label, new String[] { randomB64(), randomB64() }); // kid, key
        }
        String keys = pairs.entrySet().stream().map(e -> "\"" + e.getKey() + "\": {\"kid\": \"" + e.getValue()[0]
                + "\", \"key\": \"" + e.getValue()[1] + "\"}").collect(java.util.stream.Collectors.joining(", "));
        long job = given().contentType(ContentType.JSON).body("{\"input_content_id\": " + input
                + ", \"ladder\": [{\"height\": 720, \"video_bitrate\": 1000}, {\"height\": 360, \"video_bitrate\": 400}],"
                + " \"keys\": {" + keys + "}}")
                .post("/packaged_content").then().statusCode(202)
                .body("keys.label", contains("AUDIO", "SD", "HD"))
                .body("keys.kid", contains(pairs.get("audio")[0], pairs.get("sd")[0], pairs.get("hd")[0]))
                .body("kid", equalTo(pairs.get("sd")[0]))
                .extract().jsonPath().getLong("packaged_content_id");
        Response done = Api.awaitFinished(job, Duration.ofSeconds(120));
        done.then().statusCode(200).body("status", equalTo("DONE")).body("keys.key",
                contains(pairs.get("audio")[1], pairs.get("sd")[1], pairs.get("hd")[1]))
                // one HLS key URI cannot name three keys: DASH only
                .body("hls_url", org.hamcrest.Matchers.nullValue());

        String url = done.jsonPath().getString("url");
        Document mpd = StreamCheck.parse(given().get(url).then().statusCode(200).extract().asByteArray());
        // Every KID is signalled: one adaptation set per key (HD video, SD video, audio).
        List<String> defaultKids = StreamCheck.elements(mpd, "ContentProtection").stream()
                .map(cp -> cp.getAttributeNS(StreamCheck.CENC_NS, "default_KID")).filter(k -> !k.isEmpty()).toList();
        assertThat(defaultKids).containsExactlyInAnyOrder(uuid(pairs.get("audio")[0]), uuid(pairs.get("sd")[0]),
                uuid(pairs.get("hd")[0]));

        Path tmp = Files.createTempDirectory("ladder-keys");
        Map<Integer, String> labelOf = Map.of(720, "hd", 360, "sd");
        for (Element representation : representations(mpd, "video")) {
            int height = height(representation);
            String[] pair = pairs.get(labelOf.get(height));
            Path encrypted = StreamCheck.downloadRepresentation(url, representation, tmp.resolve(height + "p-enc.mp4"));
            List<String> clear = StreamCheck.packetHashes(StreamCheck.decrypt(encrypted, "video", hex(pair[0]), hex(pair[1])),
                    "video");
            assertThat(clear).as(height + "p decrypted with its " + labelOf.get(height) + " key").isNotEmpty()
                    .isNotEqualTo(StreamCheck.packetHashes(encrypted, "video"));
            // The other video key does not open it: the packager refuses, or what comes out is not the picture.
            String[] other = pairs.get(height == 720 ? "sd" : "hd");
            List<String> wrong;
            try {
                wrong = StreamCheck.packetHashes(StreamCheck.decrypt(encrypted, "video", hex(other[0]), hex(other[1])), "video");
            } catch (IllegalStateException refused) {
                wrong = List.of();
            }
            assertThat(wrong).as(height + "p with the other video key").isNotEqualTo(clear);
        }
        Element audio = representations(mpd, "audio").get(0);
        Path audioEncrypted = StreamCheck.downloadRepresentation(url, audio, tmp.resolve("audio-enc.mp4"));
        assertThat(StreamCheck.packetHashes(StreamCheck.decrypt(audioEncrypted, "audio", hex(pairs.get("audio")[0]),
                hex(pairs.get("audio")[1])), "audio")).isNotEmpty();

        // The license answers each KID with its own key.
        given().contentType(ContentType.JSON).body("{\"kids\": [\"" + pairs.get("audio")[0] + "\", \"" + pairs.get("sd")[0]
                + "\", \"" + pairs.get("hd")[0] + "\"], \"type\": \"temporary\"}")
                .post(done.jsonPath().getString("license_url")).then().statusCode(200)
                .body("keys.kid", contains(pairs.get("audio")[0], pairs.get("sd")[0], pairs.get("hd")[0]))
                .body("keys.k", contains(pairs.get("audio")[1], pairs.get("sd")[1], pairs.get("hd")[1]));
    }

    @Test
    void separateKeysNeedALadderAndNoSingleKey() throws Exception {
        long input = Api.upload(TestMedia.h264Aac());
        given().contentType(ContentType.JSON).body("{\"input_content_id\": " + input + ", \"keys\": {}}")
                .post("/packaged_content").then().statusCode(400).body("type", containsString("keys-need-ladder"));
        given().contentType(ContentType.JSON).body("{\"input_content_id\": " + input + ", \"ladder\": \"default\","
                + " \"key\": \"" + KEY + "\", \"keys\": {}}")
                .post("/packaged_content").then().statusCode(400).body("type", containsString("keys-and-key"));
        String kid = randomB64();
        given().contentType(ContentType.JSON).body("{\"input_content_id\": " + input + ", \"ladder\": \"default\","
                + " \"keys\": {\"sd\": {\"kid\": \"" + kid + "\"}, \"hd\": {\"kid\": \"" + kid + "\"}}}")
                .post("/packaged_content").then().statusCode(400).body("type", containsString("kid-reused"));
        String key = randomB64();
        given().contentType(ContentType.JSON).body("{\"input_content_id\": " + input + ", \"ladder\": \"default\","
                + " \"keys\": {\"sd\": {\"key\": \"" + key + "\"}, \"hd\": {\"key\": \"" + key + "\"}}}")
                .post("/packaged_content").then().statusCode(400).body("type", containsString("key-reused"));
        // the audio key is the SD track's (public) KID
        given().contentType(ContentType.JSON).body("{\"input_content_id\": " + input + ", \"ladder\": \"default\","
                + " \"keys\": {\"audio\": {\"key\": \"" + kid + "\"}, \"sd\": {\"kid\": \"" + kid + "\"}}}")
                .post("/packaged_content").then().statusCode(400).body("type", containsString("key-equals-kid"));
    }

    /** A Representation's height, or its adaptation set's when the packager wrote it there (one rung per set). */
    private static int height(Element representation) {
        String own = representation.getAttribute("height");
        return Integer.parseInt(own.isEmpty() ? ((Element) representation.getParentNode()).getAttribute("height") : own);
    }

    private static String randomB64() {
        byte[] bytes = new byte[16];
        new java.security.SecureRandom().nextBytes(bytes);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String hex(String b64url) {
        return java.util.HexFormat.of().formatHex(java.util.Base64.getUrlDecoder().decode(b64url));
    }

    private static String uuid(String b64url) {
        String h = hex(b64url);
        return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-" + h.substring(16, 20) + "-"
                + h.substring(20);
    }

    @Test
    void customLadderIsValidatedWithProblems() throws Exception {
        long input = Api.upload(TestMedia.h264Aac());
        for (String ladder : List.of("\"huge\"", "[]", "[{\"height\": 2162, \"video_bitrate\": 3000}]",
                "[{\"height\": 721, \"video_bitrate\": 3000}]", "[{\"height\": 720, \"video_bitrate\": 20}]",
                "[{\"height\": 720, \"video_bitrate\": 90000}]", "[{\"height\": 720}]",
                "[{\"height\": 720, \"video_bitrate\": 3000, \"fps\": 60}]",
                "[{\"height\": 360, \"video_bitrate\": 800}, {\"height\": 360, \"video_bitrate\": 900}]",
                "[" + "{\"height\": 240, \"video_bitrate\": 300},".repeat(8) + "{\"height\": 240, \"video_bitrate\": 300}]",
                "42")) {
            given().contentType(ContentType.JSON).body("{\"input_content_id\": " + input + ", \"ladder\": " + ladder + "}")
                    .post("/packaged_content").then().statusCode(400).contentType("application/problem+json")
                    .body("type", containsString("invalid-ladder"));
        }
        // The 320x240 source is shorter than every rung: nothing to make, and no upscaling.
        given().contentType(ContentType.JSON).body("{\"input_content_id\": " + input
                + ", \"ladder\": [{\"height\": 360, \"video_bitrate\": 800}]}")
                .post("/packaged_content").then().statusCode(422).contentType("application/problem+json")
                .body("detail", containsString("240 lines"));
        assertThat(Db.count(db, "select count(*) from packaging_job where input_content_id = ?", input)).isZero();
    }

    @Test
    void customLadderAndNoneAreHonoured() throws Exception {
        long input = Api.upload(TestMedia.h264Aac());
        long job = given().contentType(ContentType.JSON).body("{\"input_content_id\": " + input
                + ", \"ladder\": [{\"height\": 120, \"video_bitrate\": 200}, {\"height\": 240, \"video_bitrate\": 500},"
                + " {\"height\": 480, \"video_bitrate\": 1000}]}")
                .post("/packaged_content").then().statusCode(202)
                .body("renditions.name", contains("240p", "120p", "audio"))
                .extract().jsonPath().getLong("packaged_content_id");
        Response done = Api.awaitFinished(job, Duration.ofSeconds(90));
        done.then().statusCode(200).body("status", equalTo("DONE"));
        Document mpd = StreamCheck.parse(given().get(done.jsonPath().getString("url")).then().statusCode(200)
                .extract().asByteArray());
        assertThat(representations(mpd, "video")).extracting(r -> height(r))
                .containsExactlyInAnyOrder(240, 120);

        long plain = given().contentType(ContentType.JSON).body("{\"input_content_id\": " + input + ", \"ladder\": \"none\"}")
                .post("/packaged_content").then().statusCode(202).body("renditions", nullValue()).body("stage", nullValue())
                .extract().jsonPath().getLong("packaged_content_id");
        Api.awaitFinished(plain, Duration.ofSeconds(60)).then().statusCode(200).body("renditions", nullValue());
        assertThat(Db.count(db, "select count(*) from packaging_job where parent_id = ?", plain)).isZero();
    }

    @Test
    void renditionOfACrashedWorkerIsTranscodedAgainAndTheLadderFinishes() throws Exception {
        long input = Api.upload(TestMedia.h264Aac());
        Db.update(db, "insert into content_key (kid_hex, key_hex) values (?, ?) on conflict do nothing", KID_HEX, KEY_HEX);
        // One statement, as the service enqueues a ladder in one transaction: no worker sees the job without its
        // renditions. The 234p rendition was being made by a worker that was killed: RUNNING, its lease expired.
        Db.update(db, "with p as (insert into packaging_job (input_content_id, status, engine, key_hex, kid_hex, key_text,"
                + " kid_text, ladder, created_at, owner) values (?, 'QUEUED', 'shaka', ?, ?, ?, ?, 'custom', now(), 'admin')"
                + " returning id)"
                + " insert into packaging_job (input_content_id, status, kind, parent_id, engine, rendition, rendition_height,"
                + " rendition_bitrate, drm_label, attempts, lease_owner, lease_expires_at, created_at, started_at, owner)"
                + " select ?, 'RUNNING', 'TRANSCODE', p.id, 'ffmpeg', '234p', 234, 400, 'CK', 1, 'worker-killed-with-sigkill',"
                + " now() - interval '1 second', now(), now(), 'admin' from p"
                + " union all select ?, 'QUEUED', 'TRANSCODE', p.id, 'ffmpeg', 'audio', null, null, 'CK', 0, null, null, now(),"
                + " null, 'admin' from p", input, KEY_HEX, KID_HEX, KEY, KID, input, input);
        long job = Db.count(db, "select max(id) from packaging_job where kind = 'PACKAGE'");

        Api.awaitFinished(job, Duration.ofSeconds(90)).then().statusCode(200).body("status", equalTo("DONE"))
                .body("renditions.name", contains("234p", "audio"));
        assertThat(Db.count(db, "select attempts from packaging_job where parent_id = ? and rendition = '234p'", job))
                .isEqualTo(2);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(storage.renditionsFolder(job)));
    }

    private static Response startLadder(long input, String ladder) {
        return given().contentType(ContentType.JSON).body(Map.of("input_content_id", input, "key", KEY, "kid", KID,
                "ladder", ladder)).post("/packaged_content");
    }

    private static List<Element> representations(Document mpd, String contentType) {
        List<Element> found = new ArrayList<>();
        for (Element set : StreamCheck.elements(mpd, "AdaptationSet")) {
            if (contentType.equals(set.getAttribute("contentType"))) {
                for (Element r : StreamCheck.elements(mpd, "Representation")) {
                    if (r.getParentNode() == set) {
                        found.add(r);
                    }
                }
            }
        }
        return found;
    }
}
