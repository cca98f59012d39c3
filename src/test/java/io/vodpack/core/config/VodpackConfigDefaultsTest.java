package io.vodpack.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * A fresh machine runs with application.properties alone: every setting that is not optional has its default
 * there, and nowhere else.
 */
class VodpackConfigDefaultsTest {

    @Test
    void applicationPropertiesAloneConfigureEverySetting() {
        VodpackConfig config = ApplicationDefaults.vodpackConfig(Map.of());
        assertThat(config.publicBaseUrl()).isEmpty();
        assertThat(config.http().maxRequestBody()).isEqualTo(1_048_576);
        assertThat(config.storage().root()).isEqualTo(Path.of(System.getenv().getOrDefault("STORAGE_ROOT", "storage")));
        assertThat(config.upload().maxSize()).isEqualTo(4_294_967_296L);
        assertThat(config.upload().minFreeSpace()).isEqualTo(536_870_912L);
        assertThat(config.upload().staleAfter()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.upload().resumableExpireAfter()).isEqualTo(Duration.ofHours(24));
        assertThat(config.upload().sweepInterval()).isEqualTo("5m");
        assertThat(config.packaging().workersEnabled()).isTrue();
        assertThat(config.packaging().pollInterval()).isEqualTo("2s");
        assertThat(config.packaging().sweepInterval()).isEqualTo("10s");
        assertThat(config.packaging().concurrency()).isEmpty();
        assertThat(config.packaging().timeout()).isEqualTo(Duration.ofMinutes(15));
        assertThat(config.packaging().maxAttempts()).isEqualTo(3);
        assertThat(config.packaging().lease()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.packaging().segmentDuration()).isEqualTo(4);
        assertThat(config.packaging().maxQueuedJobs()).isEqualTo(100);
        assertThat(config.packaging().outputSizeFactor()).isEqualTo(1.2);
        assertThat(config.packaging().retryBackoff()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void engineDefaultsAreTheBundledShakaPackagerAndBento4OnThePath() {
        VodpackConfig config = ApplicationDefaults.vodpackConfig(Map.of());
        assertThat(config.packaging().engine()).isEqualTo(System.getenv().getOrDefault("PACKAGING_ENGINE", "shaka"));
        assertThat(config.packaging().shaka().path()).isEqualTo(System.getenv().getOrDefault("SHAKA_PACKAGER_PATH",
                "src/main/npm/node_modules/shaka-packager/bin/packager-linux-x64"));
        assertThat(config.packaging().bento4().mp4fragment()).isEqualTo(System.getenv().getOrDefault("BENTO4_MP4FRAGMENT", "mp4fragment"));
        assertThat(config.packaging().bento4().mp4dash()).isEqualTo(System.getenv().getOrDefault("BENTO4_MP4DASH", "mp4dash"));
        assertThat(config.packaging().transcode().ffmpegPath()).isEqualTo(System.getenv().getOrDefault("FFMPEG_PATH", "ffmpeg"));
        assertThat(config.packaging().transcode().preset()).isEqualTo("medium");
        assertThat(config.packaging().transcode().timeout()).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void overridesWinOverTheDefaults() {
        VodpackConfig config = ApplicationDefaults.vodpackConfig(Map.of("vodpack.packaging.concurrency", "2",
                "vodpack.public-base-url", "https://vod.example.com"));
        assertThat(config.packaging().concurrency()).hasValue(2);
        assertThat(config.publicBaseUrl()).hasValue("https://vod.example.com");
    }
}
