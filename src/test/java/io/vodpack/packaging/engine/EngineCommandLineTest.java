package io.vodpack.packaging.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.vodpack.core.config.ApplicationDefaults;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.packaging.ContentKey;

/** The engines' argument lists, as the user named them: no shell, cbcs, clear lead 0, ClearKey. */
class EngineCommandLineTest {

    static final PackagingRequest REQUEST = new PackagingRequest(Path.of("/data/inputs/in.mp4"), Path.of("/data/staging/7/out"),
            Path.of("/data/staging/7/work"), ContentKey.parse("key", "hyN9IKGfWKdAwFaE5pm0qg"),
            ContentKey.parse("kid", "oW5AK5BW43HzbTSKpiu3SQ"), 4, "http://vod.example/license/clearkey/7",
            "../../license/hls/7");

    static VodpackConfig config(String... keyValues) {
        java.util.Map<String, String> values = new java.util.HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            values.put(keyValues[i], keyValues[i + 1]);
        }
        return ApplicationDefaults.vodpackConfig(values);
    }

    @Test
    void bento4FragmentsThenDashesWithCbcsClearKey() {
        Bento4Packager bento4 = new Bento4Packager(config("vodpack.packaging.bento4.mp4fragment", "/opt/bento4/bin/mp4fragment",
                "vodpack.packaging.bento4.mp4dash", "/opt/bento4/bin/mp4dash"));
        List<List<String>> commands = bento4.commandLines(REQUEST);
        assertThat(commands).hasSize(2);
        assertThat(commands.get(0)).containsExactly("/opt/bento4/bin/mp4fragment", "--fragment-duration", "4000",
                "/data/inputs/in.mp4", "/data/staging/7/work/fragmented.mp4");
        assertThat(commands.get(1)).containsExactly("/opt/bento4/bin/mp4dash", "--force",
                "--output-dir=/data/staging/7/out", "--mpd-name=stream.mpd", "--use-segment-timeline",
                "--encryption-key=a16e402b9056e371f36d348aa62bb749:87237d20a19f58a740c05684e699b4aa",
                "--encryption-cenc-scheme=cbcs", "--clearkey", "--clearkey-license-uri=http://vod.example/license/clearkey/7",
                "/data/staging/7/work/fragmented.mp4");
        assertThat(bento4.executables()).containsExactly("/opt/bento4/bin/mp4fragment", "/opt/bento4/bin/mp4dash");
    }

    @Test
    void shakaEncryptsBothTracksWithCbcsFromTheFirstSegment() {
        ShakaPackager shaka = new ShakaPackager(config("vodpack.packaging.shaka.path", "/usr/local/bin/packager"));
        List<List<String>> commands = shaka.commandLines(REQUEST);
        assertThat(commands).hasSize(1);
        List<String> args = commands.get(0);
        assertThat(args.get(0)).isEqualTo("/usr/local/bin/packager");
        assertThat(args).contains(
                "in=/data/inputs/in.mp4,stream=video,init_segment=/data/staging/7/out/video/init.mp4,segment_template=/data/staging/7/out/video/seg_$Number$.m4s,drm_label=CK,playlist_name=video.m3u8",
                "in=/data/inputs/in.mp4,stream=audio,init_segment=/data/staging/7/out/audio/init.mp4,segment_template=/data/staging/7/out/audio/seg_$Number$.m4s,drm_label=CK,playlist_name=audio.m3u8,hls_group_id=audio,hls_name=audio",
                "--enable_raw_key_encryption", "--generate_static_live_mpd");
        assertThat(String.join(" ", args)).contains("--protection_scheme cbcs", "--clear_lead 0",
                "--keys label=CK:key_id=a16e402b9056e371f36d348aa62bb749:key=87237d20a19f58a740c05684e699b4aa",
                "--protection_systems CommonSystem", "--segment_duration 4", "--mpd_output /data/staging/7/out/stream.mpd");
    }

    @Test
    void shakaWritesHlsBesideTheMpdWithSampleAesKeysFromTheRelativeKeyUri() {
        ShakaPackager shaka = new ShakaPackager(config("vodpack.packaging.shaka.path", "/usr/local/bin/packager"));
        String args = String.join(" ", shaka.commandLines(REQUEST).get(0));
        assertThat(shaka.writesHls()).isTrue();
        assertThat(args).contains("--hls_master_playlist_output /data/staging/7/out/master.m3u8",
                "--hls_key_uri ../../license/hls/7");
        assertThat(new Bento4Packager(config()).writesHls()).as("Bento4 writes DASH only").isFalse();
    }

    @Test
    void shakaWritesHlsWithSeparateKeysLettingEachPlaylistNameItsOwnKid() {
        ShakaPackager shaka = new ShakaPackager(config("vodpack.packaging.shaka.path", "/usr/local/bin/packager"));
        Path out = Path.of("/data/staging/7/out");
        PackagingRequest ladder = new PackagingRequest(Path.of("/data/inputs/in.mp4"),
                List.of(new PackagingRequest.Track(Path.of("/r/720p.mp4"), "video", "video/720p", "HD"),
                        new PackagingRequest.Track(Path.of("/r/360p.mp4"), "video", "video/360p", "SD"),
                        new PackagingRequest.Track(Path.of("/r/audio.mp4"), "audio", "audio", "AUDIO")),
                List.of(new PackagingRequest.TrackKey("AUDIO", ContentKey.random(), ContentKey.random()),
                        new PackagingRequest.TrackKey("SD", ContentKey.random(), ContentKey.random()),
                        new PackagingRequest.TrackKey("HD", ContentKey.random(), ContentKey.random())),
                out, Path.of("/data/staging/7/work"), 4, "../../license/clearkey/7", "../../license/hls/7");
        List<String> args = shaka.commandLines(ladder).get(0);
        assertThat(args).contains(
                "in=/r/720p.mp4,stream=video,init_segment=/data/staging/7/out/video/720p/init.mp4,segment_template=/data/staging/7/out/video/720p/seg_$Number$.m4s,drm_label=HD,playlist_name=video_720p.m3u8",
                "in=/r/audio.mp4,stream=audio,init_segment=/data/staging/7/out/audio/init.mp4,segment_template=/data/staging/7/out/audio/seg_$Number$.m4s,drm_label=AUDIO,playlist_name=audio.m3u8,hls_group_id=audio,hls_name=audio");
        assertThat(String.join(" ", args)).contains("--hls_master_playlist_output /data/staging/7/out/master.m3u8")
                // one key URI would name one key for all playlists; without it each names its own KID
                .doesNotContain("--hls_key_uri");
    }

    @Test
    void relativeExecutablesBecomeAbsoluteAndBareNamesStayOnThePath() {
        assertThat(EngineProcess.executable("mp4dash")).isEqualTo("mp4dash");
        assertThat(EngineProcess.executable("tools/packager")).isEqualTo(Path.of("tools/packager").toAbsolutePath().toString());
    }
}
