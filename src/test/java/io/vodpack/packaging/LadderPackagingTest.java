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
    void ladderFollowsTheCodedPictureNotHeadersClaimingALargerOne() throws Exception {
        // The track header and the sample entry say 1920x1080; the coded pictures are 640x360.
        long input = Api.upload(TestMedia.h264Aac360pClaiming1080p());
        given().get("/input_content/" + input).then().statusCode(200).body("width", equalTo(640)).body("height", equalTo(360));
        long job = startLadder(input, "default").then().statusCode(202)
                .body("renditions.name", contains("360p", "234p", "audio"))
                .extract().jsonPath().getLong("packaged_content_id");
        Response done = Api.awaitFinished(job, Duration.ofSeconds(120));
        done.then().statusCode(200).body("status", equalTo("DONE"));
        Document mpd = StreamCheck.parse(given().get(done.jsonPath().getString("url")).then().statusCode(200)
                .extract().asByteArray());
        assertThat(representations(mpd, "video")).extracting(r -> height(r)).containsExactlyInAnyOrder(360, 234);
    }

    @Test
    void aRungTallerThanTheDecodedPictureIsNeverTranscodedWhateverTheInputsRowSays() throws Exception {
        long input = Api.upload(TestMedia.h264Aac360pClaiming1080p());
        // As recorded for an input stored before the height came from the SPS: its track header's 1080 lines.
        Db.update(db, "update input_content set width = 1920, height = 1080 where id = ?", input);
        long job = given().contentType(ContentType.JSON).body("{\"input_content_id\": " + input
                + ", \"ladder\": [{\"height\": 720, \"video_bitrate\": 1000}, {\"height\": 360, \"video_bitrate\": 400}]}")
                .post("/packaged_content").then().statusCode(202).body("renditions.name", contains("720p", "360p", "audio"))
                .extract().jsonPath().getLong("packaged_content_id");
        Api.awaitFinished(job, Duration.ofSeconds(120)).then().statusCode(409).body("status", equalTo("FAILED"))
                .body("detail", containsString("rendition 720p failed after 1 attempt(s): the source's pictures have 360"
                        + " lines, fewer than rendition 720p: the ladder never upscales"));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(storage.renditionsFolder(job)));
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
                .body("hls_url", containsString("/content/" + job + "/master.m3u8?token="));

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
    void separateKeysLadderPlaysOverHlsWithEachMediaPlaylistsKeyUriAnsweringTheKeyOfItsSegments() throws Exception {
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
                .post("/packaged_content").then().statusCode(202).extract().jsonPath().getLong("packaged_content_id");
        Path transcodes = holdPackagingAndCopyTranscodes(job, 3);

        // Another content, with its own KID: its KID must not open the ladder's key URI, nor the ladder's its.
        String otherKid = randomB64();
        long other = Api.startPackaging(Api.upload(TestMedia.h264Aac()), randomB64(), otherKid);

        Response done = Api.awaitFinished(job, Duration.ofSeconds(120));
        done.then().statusCode(200).body("status", equalTo("DONE"));
        String hlsUrl = done.jsonPath().getString("hls_url");
        assertThat(hlsUrl).as("hls_url").matches("http://[^/]+/content/" + job + "/master\\.m3u8\\?token=[A-Za-z0-9_.-]+");
        String token = hlsUrl.substring(hlsUrl.indexOf("?token=") + 7);
        String origin = hlsUrl.substring(0, hlsUrl.indexOf("/content/"));

        String master = Api.anonymous().get(hlsUrl).then().statusCode(200).extract().asString();
        List<String> playlists = new ArrayList<>();
        java.util.regex.Matcher audioMedia = java.util.regex.Pattern.compile("#EXT-X-MEDIA:TYPE=AUDIO,URI=\"([^\"]+)\"").matcher(master);
        while (audioMedia.find()) {
            playlists.add(audioMedia.group(1));
        }
        for (String line : master.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                playlists.add(line.strip());
            }
        }
        assertThat(playlists).containsExactlyInAnyOrder("audio.m3u8?token=" + token, "video_720p.m3u8?token=" + token,
                "video_360p.m3u8?token=" + token);

        Map<String, String> labelOf = Map.of("video_720p", "hd", "video_360p", "sd", "audio", "audio");
        Map<String, String> transcodeOf = Map.of("video_720p", "720p.mp4", "video_360p", "360p.mp4", "audio", "audio.mp4");
        Path tmp = Files.createTempDirectory("ladder-hls");
        java.net.URI base = java.net.URI.create(hlsUrl);
        for (String playlistUri : playlists) {
            String name = playlistUri.substring(0, playlistUri.indexOf(".m3u8"));
            String stream = name.startsWith("video") ? "video" : "audio";
            String[] pair = pairs.get(labelOf.get(name));
            String playlistUrl = base.resolve(playlistUri).toString();
            String playlist = Api.anonymous().urlEncodingEnabled(false).get(playlistUrl).then().statusCode(200).extract().asString();
            java.util.regex.Matcher key = java.util.regex.Pattern.compile(
                    "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"([^\"]+)\",IV=0x[0-9a-f]{32},KEYFORMAT=\"identity\"").matcher(playlist);
            assertThat(key.find()).as(name + " EXT-X-KEY: " + playlist).isTrue();
            String keyUri = key.group(1);
            assertThat(keyUri).as(name + " key URI").isEqualTo(origin + "/license/hls/" + job + "?kid=" + pair[0] + "&token=" + token);
            byte[] keyBytes = Api.anonymous().urlEncodingEnabled(false).get(keyUri).then().statusCode(200)
                    .header("Cache-Control", "no-store").extract().asByteArray();
            assertThat(keyBytes).as(name + " key").hasSize(16);

            // The key from the playlist's URI decrypts the segments the playlist names to its transcode's packets.
            java.net.URI playlistBase = java.net.URI.create(playlistUrl);
            java.util.regex.Matcher map = java.util.regex.Pattern.compile("#EXT-X-MAP:URI=\"([^\"]+)\"").matcher(playlist);
            assertThat(map.find()).isTrue();
            Path encrypted = tmp.resolve(name + "-hls.mp4");
            try (java.io.OutputStream out = Files.newOutputStream(encrypted)) {
                out.write(fetch(playlistBase.resolve(map.group(1)).toString()));
                for (String line : playlist.split("\n")) {
                    if (!line.isBlank() && !line.startsWith("#")) {
                        out.write(fetch(playlistBase.resolve(line.strip()).toString()));
                    }
                }
            }
            Path decrypted = StreamCheck.decrypt(encrypted, stream, hex(pair[0]), java.util.HexFormat.of().formatHex(keyBytes));
            assertThat(StreamCheck.packetHashes(decrypted, stream)).as(name + " decrypted with the key of its key URI")
                    .isNotEmpty().isEqualTo(StreamCheck.packetHashes(transcodes.resolve(transcodeOf.get(name)), stream));
        }

        // The key URI answers the content's own KIDs only.
        Api.awaitFinished(other, Duration.ofSeconds(60)).then().statusCode(200).body("status", equalTo("DONE"));
        Api.anonymous().get("/license/hls/" + job + "?kid=" + otherKid + "&token=" + token).then().statusCode(403)
                .contentType("application/problem+json").body("type", containsString("kid-of-other-content"));
        String otherToken = given().contentType(ContentType.JSON).body("{}").post("/packaged_content/" + other + "/playback_tokens")
                .then().statusCode(201).extract().jsonPath().getString("token");
        Api.anonymous().get("/license/hls/" + other + "?kid=" + pairs.get("hd")[0] + "&token=" + otherToken).then()
                .statusCode(403).body("type", containsString("kid-of-other-content"));
        // The ladder's token does not open the other content's key at all.
        Api.anonymous().get("/license/hls/" + other + "?kid=" + otherKid + "&token=" + token).then().statusCode(403);
    }

    /**
     * Holds a ladder's packaging until its {@code renditions} are all DONE, copies their files (the transcodes to
     * compare with), then lets it run.
     */
    private Path holdPackagingAndCopyTranscodes(long job, int renditions) throws Exception {
        Db.update(db, "update packaging_job set not_before = now() + interval '1 hour' where id = ?", job);
        Awaitility.await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250)).until(() -> Db.count(db,
                "select count(*) from packaging_job where parent_id = ? and status = 'DONE'", job) == renditions);
        Path transcodes = Files.createTempDirectory("ladder-transcodes");
        try (var files = Files.list(storage.renditionsFolder(job))) {
            for (Path file : files.toList()) {
                Files.copy(file, transcodes.resolve(file.getFileName()));
            }
        }
        Db.update(db, "update packaging_job set not_before = null where id = ?", job);
        return transcodes;
    }

    private static byte[] fetch(String url) {
        return Api.anonymous().urlEncodingEnabled(false).get(url).then().statusCode(200).extract().asByteArray();
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
