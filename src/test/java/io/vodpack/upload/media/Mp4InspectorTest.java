package io.vodpack.upload.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vodpack.support.TestMedia;

class Mp4InspectorTest {

    @Test
    void readsCodecsPictureSizeAndDurationOfAnH264AacFile() throws Exception {
        MediaInfo info = Mp4Inspector.inspect(TestMedia.h264Aac());
        assertThat(info.videoCodec()).matches("avc1\\.[0-9a-f]{6}");
        assertThat(info.audioCodec()).isEqualTo("mp4a.40.2");
        assertThat(info.width()).isEqualTo(320);
        assertThat(info.height()).isEqualTo(240);
        assertThat(info.durationMillis()).isBetween(5900L, 6100L);
    }

    @Test
    void thePictureSizeIsTheDecodedOneFromTheSpsWithItsCropping() throws Exception {
        // x264 codes 1080 lines as 68 macroblock rows (1088) cropped by 8.
        MediaInfo info = Mp4Inspector.inspect(TestMedia.h264Aac1080p());
        assertThat(info.width()).isEqualTo(1920);
        assertThat(info.height()).isEqualTo(1080);
    }

    @Test
    void headersClaimingALargerPictureThanIsCodedAreNotBelieved() throws Exception {
        MediaInfo info = Mp4Inspector.inspect(TestMedia.h264Aac360pClaiming1080p());
        assertThat(info.width()).isEqualTo(640);
        assertThat(info.height()).isEqualTo(360);
    }

    @Test
    void aQuarterTurnRotationSwapsWidthAndHeightAsThePictureIsShown() throws Exception {
        MediaInfo info = Mp4Inspector.inspect(TestMedia.h264Aac360pRotated());
        assertThat(info.width()).isEqualTo(360);
        assertThat(info.height()).isEqualTo(640);
    }

    @Test
    void truncatedFileIsRejectedAs422(@TempDir Path dir) throws Exception {
        byte[] bytes = Files.readAllBytes(TestMedia.h264Aac());
        Path cut = dir.resolve("cut.mp4");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 1000));
        assertThatThrownBy(() -> Mp4Inspector.inspect(cut)).isInstanceOf(UnsupportedMediaException.class)
                .hasMessageContaining("truncated").extracting("status").isEqualTo(422);
    }

    @Test
    void textIsNotAnMp4(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "Lorem ipsum dolor sit amet, consectetur adipiscing elit.");
        assertThatThrownBy(() -> Mp4Inspector.inspect(text)).extracting("status").isEqualTo(415);
    }

    @Test
    void namesWhatWasFoundInsteadOfH264OrAac() {
        assertThatThrownBy(() -> Mp4Inspector.inspect(TestMedia.hevcAac())).hasMessageContaining("found: HEVC");
        assertThatThrownBy(() -> Mp4Inspector.inspect(TestMedia.h264Opus())).hasMessage("no AAC audio track; found: Opus");
        assertThatThrownBy(() -> Mp4Inspector.inspect(TestMedia.videoOnly())).hasMessage("no AAC audio track; found: none");
    }
}
