package io.vodpack.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vodpack.packaging.ContentKey;
import io.vodpack.support.Api;
import io.vodpack.support.Db;
import io.vodpack.support.TestMedia;

/**
 * The built-in player in a real browser (Debian Chromium, headless): a packaged stream decrypts and
 * plays, as DASH and as HLS (with the rendition shown and selectable); with a wrong key it does not.
 */
@QuarkusTest
class PlaybackBrowserTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final String STATE_JS = "const v = document.getElementById('video');"
            + " const q = v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : {totalVideoFrames: -1};"
            + " return {time: v.currentTime, frames: q.totalVideoFrames, height: v.videoHeight,"
            + " rendition: window.vodpack ? window.vodpack.rendition : null,"
            + " error: window.vodpack ? window.vodpack.error : 'page script did not run',"
            + " status: window.vodpack ? window.vodpack.status : null,"
            + " text: document.getElementById('status').textContent};";

    @TestHTTPResource("/")
    URL base;

    @Inject
    AgroalDataSource db;

    @Inject
    io.vodpack.core.storage.ContentStorage storage;

    @Inject
    io.vodpack.core.storage.ContentStore contentStore;

    ChromeDriver browser;
    Path profile;

    @BeforeEach
    void startBrowser() throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Chromium and ChromeDriver are not installed (apt-get install -y chromium chromium-driver); .ci/run installs them");
        TestMedia.assumeFfmpeg();
        profile = Files.createTempDirectory("vodpack-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--autoplay-policy=no-user-gesture-required", "--window-size=1280,900",
                "--user-data-dir=" + profile.resolve("user-data"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withEnvironment(Map.of("HOME", profile.toString(), "TMPDIR", profile.toString(),
                        "XDG_CONFIG_HOME", profile.resolve("config").toString(), "XDG_CACHE_HOME", profile.resolve("cache").toString()))
                .build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stopBrowser() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        if (profile != null) {
            io.vodpack.core.storage.ContentStorage.deleteRecursively(profile);
        }
    }

    @Test
    void builtInPlayerPlaysTheEncryptedStream() throws Exception {
        long job = Api.startPackaging(Api.upload(TestMedia.h264AacLong()), "hyN9IKGfWKdAwFaE5pm0qg", "oW5AK5BW43HzbTSKpiu3SQ");
        String playerUrl = Api.awaitFinished(job, Duration.ofSeconds(60)).then().statusCode(200).extract().path("player_url");

        browser.get(secure(playerUrl));
        Map<String, Object> state = pollUntil(Duration.ofSeconds(45),
                s -> number(s.get("time")) > 5 || s.get("error") != null);
        assertThat(state.get("error")).as("player error; page says: " + state.get("text")).isNull();
        assertThat(number(state.get("time"))).as("currentTime").isGreaterThan(5);
        assertThat(number(state.get("frames"))).as("decoded video frames").isGreaterThan(0);
        Path shot = Path.of("target", "screenshots", "player-playing.png");
        Files.createDirectories(shot.getParent());
        Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
    }

    @Test
    void streamDoesNotPlayWhenTheLicenseGivesAWrongKey() throws Exception {
        ContentKey kid = ContentKey.random();
        long job = Api.startPackaging(Api.upload(TestMedia.h264AacLong()), "hyN9IKGfWKdAwFaE5pm0qg", kid.base64url());
        String playerUrl = Api.awaitFinished(job, Duration.ofSeconds(60)).then().statusCode(200).extract().path("player_url");
        // The license server now hands out another key for this content's KID.
        giveAnotherKey(kid, job);

        browser.get(secure(playerUrl));
        Map<String, Object> state = pollUntil(Duration.ofSeconds(30),
                s -> s.get("error") != null || number(s.get("time")) > 5);
        assertThat(number(state.get("time"))).as("currentTime with a wrong key").isLessThan(1);
        assertThat((String) state.get("error")).as("the page explains the failure").startsWith("Playback failed");
    }

    @Test
    void builtInPlayerPlaysTheHlsPlaylistWithTheKeyFromItsKeyUriAndShowsTheRendition() throws Exception {
        long job = Api.startPackaging(Api.upload(TestMedia.h264AacLong()), null, null);
        String playerUrl = Api.awaitFinished(job, Duration.ofSeconds(60)).then().statusCode(200).extract().path("player_url");

        browser.get(secure(playerUrl) + "&format=hls");
        Map<String, Object> state = pollUntil(Duration.ofSeconds(45),
                s -> number(s.get("time")) > 5 || s.get("error") != null);
        assertThat(state.get("error")).as("player error; page says: " + state.get("text")).isNull();
        assertThat(number(state.get("time"))).as("currentTime").isGreaterThan(5);
        assertThat(number(state.get("height"))).as("videoHeight").isEqualTo(360);
        assertThat((String) state.get("text")).contains("HLS");
        // The page played the HLS playlists and took its key from the HLS key URI, not from the ClearKey license.
        @SuppressWarnings("unchecked")
        java.util.List<String> fetched = (java.util.List<String>) ((JavascriptExecutor) browser).executeScript(
                "return performance.getEntriesByType('resource').map(e => new URL(e.name).pathname);");
        assertThat(fetched).contains("/content/" + job + "/master.m3u8", "/content/" + job + "/video.m3u8",
                "/content/" + job + "/audio.m3u8", "/license/hls/" + job).noneMatch(p -> p.startsWith("/license/clearkey"));

        Path shot = Path.of("target", "screenshots", "player-hls.png");
        Files.createDirectories(shot.getParent());
        Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));

        // The rendition picker: Auto plus the one rendition there is; the page names the one playing.
        assertThat(browser.findElement(By.id("rendition")).getText()).matches("Now: 360p · \\d+ kbit/s \\(Auto\\)");
        org.openqa.selenium.support.ui.Select picker = new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("rendition-select")));
        assertThat(picker.getOptions()).extracting(org.openqa.selenium.WebElement::getText)
                .hasSize(2).first().isEqualTo("Auto");
        picker.selectByIndex(1);
        new WebDriverWait(browser, Duration.ofSeconds(5)).until(d -> d.findElement(By.id("rendition")).getText().matches("Now: 360p · \\d+ kbit/s"));
        assertThat(((JavascriptExecutor) browser).executeScript("return window.vodpack.player.getConfiguration().abr.enabled"))
                .as("ABR off once a rendition is picked").isEqualTo(false);
        picker.selectByVisibleText("Auto");
        assertThat(((JavascriptExecutor) browser).executeScript("return window.vodpack.player.getConfiguration().abr.enabled"))
                .as("ABR on with Auto").isEqualTo(true);
        double before = number(pollUntil(Duration.ofSeconds(1), s -> false).get("time"));
        assertThat(number(pollUntil(Duration.ofSeconds(10), s -> number(s.get("time")) > before + 1).get("time")))
                .as("still playing after switching").isGreaterThan(before + 1);
    }

    @Test
    void builtInPlayerPlaysASeparateKeysLadderOverHlsEachPlaylistWithItsOwnKey() throws Exception {
        ContentKey sdKid = ContentKey.random();
        ContentKey audioKid = ContentKey.random();
        String request = "{\"input_content_id\": " + Api.upload(TestMedia.h264AacLong())
                + ", \"ladder\": [{\"height\": 360, \"video_bitrate\": 600}, {\"height\": 240, \"video_bitrate\": 300}],"
                + " \"keys\": {\"audio\": {\"kid\": \"" + audioKid.base64url() + "\"}, \"sd\": {\"kid\": \""
                + sdKid.base64url() + "\"}}}";
        long job = Api.given().contentType("application/json").body(request)
                .post("/packaged_content").then().statusCode(202).extract().jsonPath().getLong("packaged_content_id");
        String playerUrl = Api.awaitFinished(job, Duration.ofSeconds(120)).then().statusCode(200).extract().path("player_url");

        browser.get(secure(playerUrl) + "&format=hls");
        Map<String, Object> state = pollUntil(Duration.ofSeconds(45),
                s -> number(s.get("time")) > 5 || s.get("error") != null);
        assertThat(state.get("error")).as("player error; page says: " + state.get("text")).isNull();
        assertThat(number(state.get("time"))).as("currentTime").isGreaterThan(5);
        assertThat(number(state.get("frames"))).as("decoded video frames").isGreaterThan(0);
        // The video and the audio playlists each named their own KID, and the player fetched both keys.
        @SuppressWarnings("unchecked")
        java.util.List<String> keyRequests = (java.util.List<String>) ((JavascriptExecutor) browser).executeScript(
                "return performance.getEntriesByType('resource').map(e => new URL(e.name))"
                        + ".filter(u => u.pathname === '/license/hls/" + job + "').map(u => u.searchParams.get('kid'));");
        assertThat(keyRequests).contains(sdKid.base64url(), audioKid.base64url());
    }

    /**
     * The picker with more than one rendition, as a ladder will publish: the test packages a second, 180-line rendition
     * of the job's source beside the 360-line one (one packager run, the job's key, the engine's own layout) and names
     * that folder the job's live output. In both formats the picker lists Auto and both, and the picked one plays.
     */
    @Test
    void theRenditionPickerListsEveryRenditionAndThePickedOnePlays(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        ContentKey key = ContentKey.random();
        ContentKey kid = ContentKey.random();
        // 40 s, so that each format has time to switch both ways before the end.
        Path source = tmp.resolve("360.mp4");
        io.vodpack.support.StreamCheck.run(java.util.List.of("ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i",
                "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "40",
                "-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0",
                "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart", source.toString()));
        long job = Api.startPackaging(Api.upload(source), key.base64url(), kid.base64url());
        String playerUrl = Api.awaitFinished(job, Duration.ofSeconds(60)).then().statusCode(200).extract().path("player_url");
        Path small = tmp.resolve("180.mp4");
        io.vodpack.support.StreamCheck.run(java.util.List.of("ffmpeg", "-v", "error", "-nostdin", "-i", source.toString(),
                "-vf", "scale=-2:180", "-c:v", "libx264", "-preset", "veryfast", "-b:v", "150k", "-g", "50", "-keyint_min", "50",
                "-sc_threshold", "0", "-an", small.toString()));
        String folderName = job + "-two-renditions";
        // packaged into a staging folder, then published the way the service publishes (a folder, or a bucket's objects)
        Path out = storage.stagingDir().resolve(folderName);
        io.vodpack.support.StreamCheck.run(java.util.List.of(io.vodpack.support.StreamCheck.PACKAGER.toString(),
                "in=" + source + ",stream=video,init_segment=" + out + "/video/init.mp4,segment_template=" + out
                        + "/video/seg_$Number$.m4s,drm_label=CK,playlist_name=video.m3u8",
                "in=" + small + ",stream=video,init_segment=" + out + "/video_180/init.mp4,segment_template=" + out
                        + "/video_180/seg_$Number$.m4s,drm_label=CK,playlist_name=video_180.m3u8",
                "in=" + source + ",stream=audio,init_segment=" + out + "/audio/init.mp4,segment_template=" + out
                        + "/audio/seg_$Number$.m4s,drm_label=CK,playlist_name=audio.m3u8,hls_group_id=audio,hls_name=audio",
                "--protection_scheme", "cbcs", "--enable_raw_key_encryption",
                "--keys", "label=CK:key_id=" + kid.hex() + ":key=" + key.hex(), "--protection_systems", "CommonSystem",
                "--clear_lead", "0", "--segment_duration", "2", "--generate_static_live_mpd", "--mpd_output", out + "/stream.mpd",
                "--hls_master_playlist_output", out + "/master.m3u8", "--hls_key_uri", "../../license/hls/" + job));
        contentStore.publish(out, folderName);
        Db.update(db, "update packaging_job set output_folder = ? where id = ?", folderName, job);

        try {
            for (String format : java.util.List.of("hls", "dash")) {
                browser.get(secure(playerUrl) + "&format=" + format);
                Map<String, Object> state = pollUntil(Duration.ofSeconds(30), s -> number(s.get("time")) > 1 || s.get("error") != null);
                assertThat(state.get("error")).as(format + " player error; page says: " + state.get("text")).isNull();
                org.openqa.selenium.support.ui.Select picker = new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("rendition-select")));
                assertThat(picker.getOptions()).extracting(org.openqa.selenium.WebElement::getText).as(format + " renditions")
                        .hasSize(3).satisfies(options -> {
                            assertThat(options.get(0)).isEqualTo("Auto");
                            assertThat(options.get(1)).startsWith("360p · ");
                            assertThat(options.get(2)).startsWith("180p · ");
                        });
                picker.selectByIndex(2);
                Map<String, Object> picked = pollUntil(Duration.ofSeconds(15), s -> number(s.get("height")) == 180 || s.get("error") != null);
                assertThat(picked.get("error")).as(format + " error after picking 180p").isNull();
                assertThat(number(picked.get("height"))).as(format + " videoHeight after picking 180p; state " + picked).isEqualTo(180);
                assertThat(browser.findElement(By.id("rendition")).getText()).as(format).startsWith("Now: 180p · ").doesNotContain("Auto");
                picker.selectByIndex(1);
                Map<String, Object> back = pollUntil(Duration.ofSeconds(15), s -> number(s.get("height")) == 360 || s.get("error") != null);
                assertThat(number(back.get("height"))).as(format + " videoHeight after picking 360p; state " + back).isEqualTo(360);
            }
        } finally {
            // job ids start again under each test profile: a later class's job of this id must not find this folder
            contentStore.deletePublished(folderName);
        }
    }

    /**
     * The default ladder in the built-in player, with the network shaped through the browser's DevTools protocol: at
     * 1 Mbit/s the player stays on a rung of at most 540 lines and keeps playing; with the limit lifted it climbs to
     * the 1080-line rung. Both DASH and HLS (the same segments: the browser cache is off, so that the second format
     * fetches them again).
     */
    @Test
    void theLadderStaysAtOrBelow540pOnASlowNetworkAndClimbsToTheTopRungOnAFastOne() throws Exception {
        long input = Api.upload(TestMedia.h264Aac1080pDetailed());
        long job = Api.given().contentType("application/json")
                .body("{\"input_content_id\": " + input + ", \"ladder\": \"default\"}")
                .post("/packaged_content").then().statusCode(202)
                .extract().jsonPath().getLong("packaged_content_id");
        String playerUrl = Api.awaitFinished(job, Duration.ofSeconds(300)).then().statusCode(200)
                .body("renditions.name", org.hamcrest.Matchers.hasItems("1080p", "540p", "234p"))
                .extract().path("player_url");
        browser.executeCdpCommand("Network.enable", Map.of());
        browser.executeCdpCommand("Network.setCacheDisabled", Map.of("cacheDisabled", true));

        for (String format : java.util.List.of("dash", "hls")) {
            limitNetwork(125_000); // 1 Mbit/s
            browser.get(secure(playerUrl) + "&format=" + format);
            Map<String, Object> slow = pollUntil(Duration.ofSeconds(30), s -> number(s.get("time")) > 6 || s.get("error") != null);
            assertThat(slow.get("error")).as(format + " player error; page says: " + slow.get("text")).isNull();
            assertThat(number(slow.get("time"))).as(format + " plays at 1 Mbit/s; state " + slow).isGreaterThan(6);
            Map<String, Object> settled = tallestFor(Duration.ofSeconds(3));
            assertThat(number(settled.get("height"))).as(format + " tallest picture at 1 Mbit/s; state " + settled)
                    .isBetween(1.0, 540.0);
            assertThat(rendition(settled)).as(format + " rendition chosen at 1 Mbit/s; state " + settled).isBetween(1.0, 540.0);

            limitNetwork(-1);
            Map<String, Object> fast = pollUntil(Duration.ofSeconds(20), s -> number(s.get("height")) == 1080 || s.get("error") != null);
            assertThat(number(fast.get("height"))).as(format + " picture height once the network is fast; state " + fast)
                    .isEqualTo(1080);
            assertThat(rendition(fast)).as(format + " rendition chosen once the network is fast").isEqualTo(1080);
        }
    }

    /** Shapes every request of the page to bytesPerSecond each way with 20 ms of latency; -1 lifts the limit. */
    private void limitNetwork(long bytesPerSecond) {
        browser.executeCdpCommand("Network.emulateNetworkConditions", Map.of("offline", false,
                "latency", bytesPerSecond < 0 ? 0 : 20, "downloadThroughput", bytesPerSecond, "uploadThroughput", bytesPerSecond));
    }

    /** The state with the tallest picture and the tallest chosen rendition seen while polling for the given time. */
    private Map<String, Object> tallestFor(Duration period) throws InterruptedException {
        Map<String, Object> tallest = new java.util.HashMap<>(Map.of("height", 0, "rendition", Map.of("height", 0)));
        long deadline = System.nanoTime() + period.toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, Object> state = pollUntil(Duration.ZERO, s -> true);
            if (number(state.get("height")) > number(tallest.get("height"))) {
                tallest.put("height", state.get("height"));
            }
            if (rendition(state) > rendition(tallest)) {
                tallest.put("rendition", state.get("rendition"));
            }
            Thread.sleep(250);
        }
        return tallest;
    }

    /** The height of the rendition the player has chosen (what it fetches now), 0 when none yet. */
    @SuppressWarnings("unchecked")
    private static double rendition(Map<String, Object> state) {
        return state.get("rendition") instanceof Map<?, ?> r ? number(((Map<String, Object>) r).get("height")) : 0;
    }

    @Test
    void hlsDoesNotPlayWhenTheKeyUriGivesAWrongKey() throws Exception {
        ContentKey kid = ContentKey.random();
        long job = Api.startPackaging(Api.upload(TestMedia.h264AacLong()), ContentKey.random().base64url(), kid.base64url());
        String playerUrl = Api.awaitFinished(job, Duration.ofSeconds(60)).then().statusCode(200).extract().path("player_url");
        // The key URI now answers another key for this content.
        giveAnotherKey(kid, job);

        browser.get(secure(playerUrl) + "&format=hls");
        Map<String, Object> state = pollUntil(Duration.ofSeconds(30),
                s -> s.get("error") != null || number(s.get("time")) > 5);
        assertThat(number(state.get("time"))).as("currentTime with a wrong key").isLessThan(1);
        assertThat((String) state.get("error")).as("the page explains the failure")
                .startsWith("Playback failed").contains("key does not match the content");
    }

    /**
     * A dash.js page on another origin, given nothing but the tokenised MPD URL: it finds the license URL (with the
     * token) in the served MPD's dashif:Laurl, fetches the key by itself and plays.
     */
    @Test
    void anExternalDashJsPageGivenOnlyTheMpdUrlPlays() throws Exception {
        long job = Api.startPackaging(Api.upload(TestMedia.h264AacLong()), null, null);
        String url = Api.awaitFinished(job, Duration.ofSeconds(60)).then().statusCode(200).extract().path("url");
        Path dashJs = Path.of("src/main/npm/node_modules/dashjs/dist/modern/umd/dash.all.min.js");
        Assumptions.assumeTrue(Files.isRegularFile(dashJs), "dash.js is installed by the build (npm ci)");
        String page = "<!doctype html><video id='video' muted autoplay></video><p id='status'></p><script src='/dash.js'></script>"
                + "<script>const v = document.getElementById('video'); window.vodpack = {status: 'loading', error: null};"
                + "const p = dashjs.MediaPlayer().create(); p.on(dashjs.MediaPlayer.events.ERROR, e => {"
                + " window.vodpack.error = JSON.stringify(e.error || e); document.getElementById('status').textContent = window.vodpack.error; });"
                + "p.initialize(v, new URLSearchParams(location.search).get('mpd'), true);</script>";
        com.sun.net.httpserver.HttpServer external = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        external.createContext("/", exchange -> {
            boolean script = exchange.getRequestURI().getPath().equals("/dash.js");
            byte[] body = script ? Files.readAllBytes(dashJs) : page.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", script ? "text/javascript" : "text/html");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        external.start();
        try {
            browser.get("http://127.0.0.1:" + external.getAddress().getPort() + "/?mpd="
                    + java.net.URLEncoder.encode(secure(url), java.nio.charset.StandardCharsets.UTF_8));
            Map<String, Object> state = pollUntil(Duration.ofSeconds(45), s -> number(s.get("time")) > 3 || s.get("error") != null);
            assertThat(state.get("error")).as("dash.js error; page says: " + state.get("text")).isNull();
            assertThat(number(state.get("time"))).as("currentTime in dash.js").isGreaterThan(3);
        } finally {
            external.stop(0);
        }
    }

    @Test
    void anExpiredPlaybackTokenFailsWithAClearMessage() throws Exception {
        long job = Api.startPackaging(Api.upload(TestMedia.h264Aac()), null, null);
        Api.awaitFinished(job, Duration.ofSeconds(60)).then().statusCode(200);
        String playerUrl = Api.given().contentType("application/json").body(Map.of("ttl_seconds", 1))
                .post("/packaged_content/" + job + "/playback_tokens").then().statusCode(201).extract().path("player_url");
        Thread.sleep(2000);
        browser.get(secure(playerUrl));
        String text = browser.findElement(By.tagName("body")).getText();
        assertThat(text).as("the refused page says why").contains("expired");
    }

    @Test
    void aPlayerUrlWithoutItsTokenIsRefused() {
        long job = Api.startPackaging(uploadQuietly(), null, null);
        Api.awaitFinished(job, Duration.ofSeconds(60)).then().statusCode(200);
        browser.get("http://127.0.0.1:" + base.getPort() + "/player/" + job);
        assertThat(browser.findElement(By.tagName("body")).getText()).contains("playback token");
    }

    private static long uploadQuietly() {
        try {
            return Api.upload(TestMedia.h264Aac());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void startPageTakesAFileFromUploadToPlayback() throws Exception {
        browser.get("http://127.0.0.1:" + base.getPort() + "/");
        browser.findElement(By.id("api-key")).sendKeys(Api.ADMIN_KEY);
        browser.findElement(By.id("save-key")).click();
        browser.findElement(By.id("file")).sendKeys(TestMedia.h264AacLong().toAbsolutePath().toString());
        browser.findElement(By.id("upload")).click();
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(
                d -> d.findElement(By.id("upload-status")).getText().startsWith("Stored as input"));
        browser.findElement(By.id("package")).click();
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> d.getCurrentUrl().contains("/player/"));
        Map<String, Object> state = pollUntil(Duration.ofSeconds(60),
                s -> number(s.get("time")) > 5 || s.get("error") != null);
        assertThat(state.get("error")).as("player error; page says: " + state.get("text")).isNull();
        assertThat(number(state.get("time"))).isGreaterThan(5);
    }

    /** The stored key of the content's KID changes (binding and job together, as the database requires). */
    private void giveAnotherKey(ContentKey kid, long job) {
        Db.update(db, "with binding as (update content_key set key_hex = '00112233445566778899aabbccddeeff' where kid_hex = ?)"
                + " update packaging_job set key_hex = '00112233445566778899aabbccddeeff' where id = ?", kid.hex(), job);
    }

    /** The same URL on 127.0.0.1, a secure context, which EME requires (as localhost is). */
    private String secure(String url) {
        return url.replaceFirst("^http://[^/]+", "http://127.0.0.1:" + base.getPort());
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> pollUntil(Duration atMost, java.util.function.Predicate<Map<String, Object>> done)
            throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        Map<String, Object> state;
        do {
            state = (Map<String, Object>) ((JavascriptExecutor) browser).executeScript(STATE_JS);
            if (done.test(state)) {
                return state;
            }
            Thread.sleep(250);
        } while (System.nanoTime() < deadline);
        return state;
    }

    private static double number(Object value) {
        return value instanceof Number n ? n.doubleValue() : 0;
    }
}
