package io.vodpack.packaging.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vodpack.packaging.ContentKey;

/** HLS output is published only when every playlist is finished, keyed from its first segment, and complete on disk. */
class HlsPlaylistsTest {

    static final String KEY_URI = "../../license/hls/7";
    static final String MASTER = """
            #EXTM3U
            ## Generated with https://github.com/shaka-project/shaka-packager version v3.4.2
            #EXT-X-INDEPENDENT-SEGMENTS
            #EXT-X-MEDIA:TYPE=AUDIO,URI="audio.m3u8",GROUP-ID="audio",NAME="audio",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="1"
            #EXT-X-STREAM-INF:BANDWIDTH=895127,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=640x360,AUDIO="audio"
            video.m3u8
            """;

    static String media(String track, String key) {
        return """
                #EXTM3U
                #EXT-X-VERSION:6
                #EXT-X-TARGETDURATION:5
                #EXT-X-PLAYLIST-TYPE:VOD
                #EXT-X-MAP:URI="%1$s/init.mp4"
                %2$s
                #EXTINF:4.000,
                %1$s/seg_1.m4s
                #EXTINF:2.000,
                %1$s/seg_2.m4s
                #EXT-X-ENDLIST
                """.formatted(track, key);
    }

    static String key(String method, String uri, String format) {
        return "#EXT-X-KEY:METHOD=" + method + ",URI=\"" + uri + "\",IV=0x91f344b8b48d600be56b3fa6de138473,KEYFORMAT=\"" + format + "\"";
    }

    static Path write(Path dir, String master, String video, String audio) throws Exception {
        for (String track : new String[] { "video", "audio" }) {
            Files.createDirectories(dir.resolve(track));
            Files.writeString(dir.resolve(track + "/init.mp4"), "i");
            Files.writeString(dir.resolve(track + "/seg_1.m4s"), "s");
            Files.writeString(dir.resolve(track + "/seg_2.m4s"), "s");
        }
        Files.writeString(dir.resolve("master.m3u8"), master);
        Files.writeString(dir.resolve("video.m3u8"), video);
        Files.writeString(dir.resolve("audio.m3u8"), audio);
        return dir;
    }

    @Test
    void sampleAesIdentityPlaylistsOverWrittenSegmentsCheckOut(@TempDir Path dir) throws Exception {
        String good = key("SAMPLE-AES", KEY_URI, "identity");
        write(dir, MASTER, media("video", good), media("audio", good));
        assertThatCode(() -> HlsPlaylists.check(dir, KEY_URI)).doesNotThrowAnyException();
    }

    @Test
    void aKeyOtherThanSampleAesIdentityAtTheJobsUriIsRefused(@TempDir Path dir) throws Exception {
        String good = key("SAMPLE-AES", KEY_URI, "identity");
        write(dir, MASTER, media("video", key("AES-128", KEY_URI, "identity")), media("audio", good));
        assertThatThrownBy(() -> HlsPlaylists.check(dir, KEY_URI)).hasMessageContaining("video.m3u8 has #EXT-X-KEY:METHOD=AES-128");
        write(dir, MASTER, media("video", good), media("audio", key("SAMPLE-AES", "../../license/hls/8", "identity")));
        assertThatThrownBy(() -> HlsPlaylists.check(dir, KEY_URI)).hasMessageContaining("audio.m3u8");
        write(dir, MASTER, media("video", key("SAMPLE-AES", KEY_URI, "com.apple.streamingkeydelivery")), media("audio", good));
        assertThatThrownBy(() -> HlsPlaylists.check(dir, KEY_URI)).hasMessageContaining("KEYFORMAT=\"identity\"");
    }

    @Test
    void aSegmentBeforeAnyKeyIsRefused(@TempDir Path dir) throws Exception {
        String good = key("SAMPLE-AES", KEY_URI, "identity");
        write(dir, MASTER, media("video", ""), media("audio", good));
        assertThatThrownBy(() -> HlsPlaylists.check(dir, KEY_URI)).hasMessageContaining("before any EXT-X-KEY");
    }

    @Test
    void missingPlaylistsSegmentsOrEndAreRefused(@TempDir Path dir) throws Exception {
        String good = key("SAMPLE-AES", KEY_URI, "identity");
        write(dir, MASTER, media("video", good), media("audio", good));
        Files.delete(dir.resolve("audio/seg_2.m4s"));
        assertThatThrownBy(() -> HlsPlaylists.check(dir, KEY_URI)).hasMessageContaining("audio/seg_2.m4s");

        write(dir, MASTER, media("video", good).replace("#EXT-X-ENDLIST\n", ""), media("audio", good));
        assertThatThrownBy(() -> HlsPlaylists.check(dir, KEY_URI)).hasMessageContaining("no EXT-X-ENDLIST");

        write(dir, MASTER.replace("video.m3u8", "../elsewhere/video.m3u8"), media("video", good), media("audio", good));
        assertThatThrownBy(() -> HlsPlaylists.check(dir, KEY_URI)).hasMessageContaining("../elsewhere/video.m3u8");

        write(dir, "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n", media("video", good), media("audio", good));
        assertThatThrownBy(() -> HlsPlaylists.check(dir, KEY_URI)).hasMessageContaining("no variant");

        Files.delete(dir.resolve("master.m3u8"));
        assertThatThrownBy(() -> HlsPlaylists.check(dir, KEY_URI)).hasMessageContaining("no master.m3u8");
    }

    @Test
    void withSeparateKeysEachPlaylistMustNameTheKidOfItsOwnTrack(@TempDir Path dir) throws Exception {
        ContentKey sd = ContentKey.random();
        ContentKey audio = ContentKey.random();
        PackagingRequest request = new PackagingRequest(dir.resolve("in.mp4"),
                List.of(new PackagingRequest.Track(dir.resolve("in.mp4"), "video", "video", "SD"),
                        new PackagingRequest.Track(dir.resolve("in.mp4"), "audio", "audio", "AUDIO")),
                List.of(new PackagingRequest.TrackKey("AUDIO", audio, ContentKey.random()),
                        new PackagingRequest.TrackKey("SD", sd, ContentKey.random())),
                dir, dir.resolve("work"), 4, "../../license/clearkey/7", KEY_URI);
        assertThat(request.hlsKeyUriOf("video.m3u8")).isEqualTo(HlsPlaylists.kidKeyUri(sd))
                .startsWith("data:text/plain;base64,").endsWith("==");
        assertThat(request.hlsKeyUriOf("elsewhere.m3u8")).isNull();

        String video = key("SAMPLE-AES", HlsPlaylists.kidKeyUri(sd), "identity");
        write(dir, MASTER, media("video", video), media("audio", key("SAMPLE-AES", HlsPlaylists.kidKeyUri(audio), "identity")));
        assertThatCode(() -> HlsPlaylists.check(dir, request::hlsKeyUriOf)).doesNotThrowAnyException();
        // the audio playlist naming the SD KID: its key URI would answer a key that does not decrypt it
        write(dir, MASTER, media("video", video), media("audio", video));
        assertThatThrownBy(() -> HlsPlaylists.check(dir, request::hlsKeyUriOf)).hasMessageContaining("audio.m3u8");
        // one key URI for all, as under one key, is refused too
        String shared = key("SAMPLE-AES", KEY_URI, "identity");
        write(dir, MASTER, media("video", shared), media("audio", shared));
        assertThatThrownBy(() -> HlsPlaylists.check(dir, request::hlsKeyUriOf))
                .hasMessageContaining("URI=\"" + KEY_URI + "\"").hasMessageContaining("expected METHOD=SAMPLE-AES, URI=\"data:");
        // a playlist of no track
        write(dir, MASTER + "#EXT-X-STREAM-INF:BANDWIDTH=1,AUDIO=\"audio\"\nextra.m3u8\n", media("video", video),
                media("audio", key("SAMPLE-AES", HlsPlaylists.kidKeyUri(audio), "identity")));
        Files.writeString(dir.resolve("extra.m3u8"), media("video", video));
        assertThatThrownBy(() -> HlsPlaylists.check(dir, request::hlsKeyUriOf)).hasMessageContaining("extra.m3u8, a playlist of no track");
    }
}
