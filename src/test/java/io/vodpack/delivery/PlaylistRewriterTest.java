package io.vodpack.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.vodpack.access.playback.PlaybackTokens;

/** What a served playlist says, from what is on disk: tokens where the player needs them, absolute key URIs. */
class PlaylistRewriterTest {

    final PlaylistRewriter rewriter = new PlaylistRewriter(null);

    String served(String playlist, String url) {
        return new String(rewriter.withToken(playlist.getBytes(StandardCharsets.UTF_8), url,
                "https://vod.example/base/license/hls/7", "t.o-k_en"), StandardCharsets.UTF_8);
    }

    @Test
    void theMasterPlaylistNamesItsPlaylistsWithTheTokenAndLeavesEverythingElse() {
        String master = """
                #EXTM3U
                #EXT-X-MEDIA:TYPE=AUDIO,URI="audio.m3u8",GROUP-ID="audio",NAME="audio"
                #EXT-X-STREAM-INF:BANDWIDTH=895127,AUDIO="audio"
                video.m3u8
                #EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1000,URI="iframes.m3u8?x=1"
                """;
        assertThat(served(master, "https://vod.example/base/content/7/master.m3u8")).isEqualTo("""
                #EXTM3U
                #EXT-X-MEDIA:TYPE=AUDIO,URI="audio.m3u8?token=t.o-k_en",GROUP-ID="audio",NAME="audio"
                #EXT-X-STREAM-INF:BANDWIDTH=895127,AUDIO="audio"
                video.m3u8?token=t.o-k_en
                #EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1000,URI="iframes.m3u8?x=1&token=t.o-k_en"
                """);
    }

    @Test
    void aMediaPlaylistsKeyUriBecomesAbsoluteWithTheTokenAndSegmentsStayAsTheyAre() {
        String media = """
                #EXTM3U
                #EXT-X-MAP:URI="video/init.mp4"
                #EXT-X-KEY:METHOD=SAMPLE-AES,URI="../../license/hls/7?kid=a16e402b9056e371f36d348aa62bb749",IV=0x01,KEYFORMAT="identity"
                #EXTINF:4.000,
                video/seg_1.m4s
                #EXT-X-ENDLIST""";
        assertThat(served(media, "https://vod.example/base/content/7/video.m3u8")).isEqualTo("""
                #EXTM3U
                #EXT-X-MAP:URI="video/init.mp4"
                #EXT-X-KEY:METHOD=SAMPLE-AES,URI="https://vod.example/base/license/hls/7?kid=a16e402b9056e371f36d348aa62bb749&token=t.o-k_en",IV=0x01,KEYFORMAT="identity"
                #EXTINF:4.000,
                video/seg_1.m4s
                #EXT-X-ENDLIST""");
    }

    @Test
    void aTokenIsWrittenUrlEncodedAsEveryOtherUrlCarriesIt() {
        String served = new String(rewriter.withToken("#EXTM3U\nvideo.m3u8".getBytes(StandardCharsets.UTF_8),
                "https://vod.example/content/7/master.m3u8", "https://vod.example/license/hls/7", "a b+c"), StandardCharsets.UTF_8);
        assertThat(served).isEqualTo("#EXTM3U\nvideo.m3u8?" + PlaybackTokens.query("a b+c")).endsWith("?token=a+b%2Bc");
    }

    @Test
    void aKidNamedByThePackagerBecomesTheContentsKeyUriForThatKid() {
        // Separate keys: Shaka Packager names each playlist's KID (a16e402b9056e371f36d348aa62bb749) as a data URI.
        String media = """
                #EXTM3U
                #EXT-X-MAP:URI="video_720p/init.mp4"
                #EXT-X-KEY:METHOD=SAMPLE-AES,URI="data:text/plain;base64,oW5AK5BW43HzbTSKpiu3SQ==",IV=0x01,KEYFORMAT="identity"
                #EXTINF:4.000,
                video/720p/seg_1.m4s
                #EXT-X-ENDLIST""";
        assertThat(served(media, "https://vod.example/base/content/7/video_720p.m3u8")).isEqualTo("""
                #EXTM3U
                #EXT-X-MAP:URI="video_720p/init.mp4"
                #EXT-X-KEY:METHOD=SAMPLE-AES,URI="https://vod.example/base/license/hls/7?kid=oW5AK5BW43HzbTSKpiu3SQ&token=t.o-k_en",IV=0x01,KEYFORMAT="identity"
                #EXTINF:4.000,
                video/720p/seg_1.m4s
                #EXT-X-ENDLIST""");
    }
}
