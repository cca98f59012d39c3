package io.vodpack.delivery;

import static io.vodpack.support.Api.anonymous;
import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;

import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vodpack.access.playback.PlaybackTokens;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.packaging.ContentKey;
import io.vodpack.support.Api;
import io.vodpack.support.Db;
import io.vodpack.support.JobFolders;
import io.vodpack.support.SeededJobs;
import io.vodpack.support.StreamCheck;
import io.vodpack.support.TestMedia;

/**
 * HLS beside DASH: the same packager run writes a master playlist and media playlists over the same cbcs segments,
 * with SAMPLE-AES identity keys; served playlists carry the viewer's token and an absolute key URI, the files none;
 * the key URI answers the 16 raw key bytes to the content's token only, and they decrypt the segments the playlist
 * names to the source's packets.
 */
@QuarkusTest
class HlsDeliveryTest {

    static final Pattern KEY_TAG = Pattern.compile("#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"([^\"]+)\",IV=0x[0-9a-f]{32},KEYFORMAT=\"identity\"");

    static final ContentKey KEY = ContentKey.random();
    static final ContentKey KID = ContentKey.random();

    static long job;
    static String hlsUrl;
    static String token;

    @Inject
    AgroalDataSource db;

    @Inject
    ContentStorage storage;

    @Inject
    PlaybackTokens tokens;

    /** One stream packaged for the whole class, on its first test. */
    @BeforeEach
    void packageOnce() throws Exception {
        TestMedia.assumeFfmpeg();
        if (hlsUrl != null) {
            return;
        }
        job = Api.startPackaging(Api.upload(TestMedia.h264Aac()), KEY.base64url(), KID.base64url());
        Response done = Api.awaitFinished(job, Duration.ofSeconds(60));
        done.then().statusCode(200)
                .body("hls_url", matchesPattern("http://[^/]+/content/" + job + "/master\\.m3u8\\?token=[A-Za-z0-9_.-]+"));
        hlsUrl = done.jsonPath().getString("hls_url");
        token = hlsUrl.substring(hlsUrl.indexOf("?token=") + 7);
        assertThat(done.jsonPath().getString("url")).as("the MPD's token is the same").endsWith("?token=" + token);
    }

    @Test
    void packagingWritesMasterAndMediaPlaylistsWithSampleAesIdentityKeysOverTheDashSegments() throws Exception {
        Path folder = JobFolders.published(db, storage, job);
        String master = Files.readString(folder.resolve("master.m3u8"));
        assertThat(master).startsWith("#EXTM3U")
                .contains("#EXT-X-MEDIA:TYPE=AUDIO,URI=\"audio.m3u8\",GROUP-ID=\"audio\"")
                .containsPattern("#EXT-X-STREAM-INF:BANDWIDTH=\\d+,.*CODECS=\"avc1\\.[0-9a-f]+,mp4a\\.40\\.2\",RESOLUTION=\\d+x\\d+,.*AUDIO=\"audio\"")
                .contains("\nvideo.m3u8");
        for (String track : List.of("video", "audio")) {
            String playlist = Files.readString(folder.resolve(track + ".m3u8"));
            assertThat(playlist).as(track + " playlist").startsWith("#EXTM3U").contains("#EXT-X-PLAYLIST-TYPE:VOD")
                    .contains("#EXT-X-MAP:URI=\"" + track + "/init.mp4\"").contains("#EXT-X-ENDLIST");
            Matcher key = KEY_TAG.matcher(playlist);
            assertThat(key.find()).as(track + " EXT-X-KEY: " + playlist).isTrue();
            assertThat(key.group(1)).as("relative key URI on disk").isEqualTo("../../license/hls/" + job);
            // The playlist names exactly the DASH segments: one copy of the media serves both.
            try (Stream<Path> files = Files.list(folder.resolve(track))) {
                List<String> segments = files.map(f -> track + "/" + f.getFileName()).filter(f -> f.contains("seg_")).sorted().toList();
                assertThat(segmentLines(playlist)).as(track + " segments").containsExactlyInAnyOrderElementsOf(segments);
            }
        }
        try (Stream<Path> files = Files.walk(folder)) {
            assertThat(files.filter(Files::isRegularFile).map(f -> folder.relativize(f).toString())
                    .filter(f -> !f.startsWith("video/") && !f.startsWith("audio/")))
                    .containsExactlyInAnyOrder("stream.mpd", "master.m3u8", "video.m3u8", "audio.m3u8");
        }
        assertThat(Db.string(db, "select hls::text from packaging_job where id = ?", job)).isEqualTo("true");
    }

    @Test
    void servedPlaylistsCarryTheTokenAndAnAbsoluteKeyUriWhileTheFilesCarryNone() throws Exception {
        String master = anonymous().header("Origin", "https://player.example").get(hlsUrl).then().statusCode(200)
                .contentType("application/vnd.apple.mpegurl").header("Cache-Control", "public, max-age=10")
                .header("Access-Control-Allow-Origin", "https://player.example").extract().asString();
        assertThat(master).contains("URI=\"audio.m3u8?token=" + token + "\"").contains("\nvideo.m3u8?token=" + token);

        String base = hlsUrl.substring(0, hlsUrl.lastIndexOf('/') + 1);
        String origin = hlsUrl.substring(0, hlsUrl.indexOf("/content/"));
        for (String track : List.of("video", "audio")) {
            String served = anonymous().get(base + track + ".m3u8?token=" + token).then().statusCode(200)
                    .contentType("application/vnd.apple.mpegurl").extract().asString();
            Matcher key = KEY_TAG.matcher(served);
            assertThat(key.find()).as(track + " served EXT-X-KEY").isTrue();
            assertThat(key.group(1)).isEqualTo(origin + "/license/hls/" + job + "?token=" + token);
            assertThat(served).contains("#EXT-X-MAP:URI=\"" + track + "/init.mp4\"").contains("\n" + track + "/seg_1.m4s\n");
        }
        Path folder = JobFolders.published(db, storage, job);
        for (String file : List.of("master.m3u8", "video.m3u8", "audio.m3u8")) {
            assertThat(Files.readString(folder.resolve(file))).as(file + " on disk").doesNotContain("token").doesNotContainPattern("URI=\"[a-z]+:");
        }
    }

    @Test
    void playlistsNeedTheContentsOwnPlaybackToken() {
        String base = hlsUrl.substring(0, hlsUrl.lastIndexOf('/') + 1);
        anonymous().get(base + "master.m3u8").then().statusCode(401).contentType("application/problem+json");
        anonymous().get(base + "video.m3u8").then().statusCode(401).contentType("application/problem+json");
        anonymous().get(base + "audio.m3u8?token=" + token.substring(0, token.length() - 2) + "xx").then().statusCode(401);
        anonymous().get(base + "master.m3u8?token=" + tokens.mint(job + 1000, null).token()).then().statusCode(403);
        // Segments stay public (encrypted), as for DASH.
        anonymous().get(base + "video/seg_1.m4s").then().statusCode(200).contentType("video/mp4");
    }

    @Test
    void theKeyUriReturnsTheSixteenKeyBytesUncachedWithCors() {
        byte[] key = anonymous().header("Origin", "https://player.example").get(servedKeyUri("video")).then().statusCode(200)
                .contentType("application/octet-stream").header("Cache-Control", "no-store")
                .header("Access-Control-Allow-Origin", "https://player.example").extract().asByteArray();
        assertThat(key).hasSize(16).isEqualTo(KEY.bytes());
        // A KID may be named; it must be the content's.
        anonymous().get("/license/hls/" + job + "?kid=" + KID.hex() + "&token=" + token).then().statusCode(200);
        anonymous().get("/license/hls/" + job + "?kid=" + ContentKey.random().base64url() + "&token=" + token).then()
                .statusCode(403).contentType("application/problem+json").body("type", matchesPattern(".*kid-of-other-content"));
        anonymous().get("/license/hls/" + job + "?kid=nothex&token=" + token).then().statusCode(400)
                .contentType("application/problem+json");
    }

    @Test
    void theKeyIsRefusedWithoutOrWithABadTokenAndForContentNotDone() {
        anonymous().get("/license/hls/" + job).then().statusCode(401).contentType("application/problem+json");
        anonymous().get("/license/hls/" + job + "?token=" + token.substring(0, token.length() - 2) + "xx").then().statusCode(401)
                .contentType("application/problem+json");
        anonymous().get("/license/hls/" + job + "?token=" + tokens.mint(job + 1000, null).token()).then().statusCode(403)
                .contentType("application/problem+json");
        long running = SeededJobs.running(db);
        anonymous().get("/license/hls/" + running + "?token=" + tokens.mint(running, null).token()).then().statusCode(404)
                .contentType("application/problem+json");
        // An API key does not open it either: the key URI takes playback tokens only.
        given().get("/license/hls/" + job).then().statusCode(401);
    }

    @Test
    void theKeyFromTheKeyUriDecryptsTheSegmentsThePlaylistNamesToTheSourcePackets(@TempDir Path tmp) throws Exception {
        Path source = TestMedia.h264Aac();
        for (String track : List.of("video", "audio")) {
            String playlistUrl = hlsUrl.substring(0, hlsUrl.lastIndexOf('/') + 1) + track + ".m3u8?token=" + token;
            String playlist = anonymous().get(playlistUrl).then().statusCode(200).extract().asString();
            URI base = URI.create(playlistUrl);
            Matcher map = Pattern.compile("#EXT-X-MAP:URI=\"([^\"]+)\"").matcher(playlist);
            assertThat(map.find()).isTrue();
            Path encrypted = tmp.resolve(track + "-hls.mp4");
            try (OutputStream out = Files.newOutputStream(encrypted)) {
                out.write(fetch(base.resolve(map.group(1)).toString()));
                for (String segment : segmentLines(playlist)) {
                    out.write(fetch(base.resolve(segment).toString()));
                }
            }
            Matcher keyUri = KEY_TAG.matcher(playlist);
            assertThat(keyUri.find()).isTrue();
            String keyHex = HexFormat.of().formatHex(fetch(keyUri.group(1)));
            Path decrypted = StreamCheck.decrypt(encrypted, track, KID.hex(), keyHex);
            assertThat(StreamCheck.packetHashes(decrypted, track)).as(track + " packets decrypted with the HLS key")
                    .isEqualTo(StreamCheck.packetHashes(source, track));
        }
    }

    @Test
    void contentPublishedWithoutHlsHasNoHlsUrl() throws Exception {
        long other = Api.startPackaging(Api.upload(TestMedia.h264Aac()), null, null);
        Api.awaitFinished(other, Duration.ofSeconds(60)).then().statusCode(200).body("hls_url", matchesPattern(".*master\\.m3u8.*"));
        // As for content published before HLS was written, or by an engine that writes none (Bento4).
        Db.update(db, "update packaging_job set hls = false where id = ?", other);
        Response view = given().get("/packaged_content/" + other);
        view.then().statusCode(200).body("url", matchesPattern(".*stream\\.mpd.*"));
        assertThat(view.jsonPath().getString("hls_url")).isNull();
        given().contentType("application/json").body("{}").post("/packaged_content/" + other + "/playback_tokens").then()
                .statusCode(201).body("url", matchesPattern(".*stream\\.mpd.*")).body("hls_url", equalTo(null));
    }

    private String servedKeyUri(String track) {
        String playlist = anonymous().get(hlsUrl.substring(0, hlsUrl.lastIndexOf('/') + 1) + track + ".m3u8?token=" + token)
                .then().statusCode(200).extract().asString();
        Matcher key = KEY_TAG.matcher(playlist);
        assertThat(key.find()).isTrue();
        return key.group(1);
    }

    private static List<String> segmentLines(String playlist) {
        List<String> segments = new ArrayList<>();
        for (String line : playlist.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                segments.add(line.strip());
            }
        }
        return segments;
    }

    private static byte[] fetch(String url) {
        return anonymous().urlEncodingEnabled(false).get(url).then().statusCode(200).extract().asByteArray();
    }
}
