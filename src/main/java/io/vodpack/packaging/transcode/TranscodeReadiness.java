package io.vodpack.packaging.transcode;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.packaging.engine.EngineReadiness;
import io.vodpack.packaging.queue.JobQueue;

/**
 * Readiness is DOWN, with the reason, while ffmpeg is missing on a worker instance and a ladder's renditions wait for
 * it; without ladders in the queue a missing ffmpeg is only reported (plain packaging does not need it).
 */
@Readiness
@ApplicationScoped
public class TranscodeReadiness implements AsyncHealthCheck {

    private final Ffmpeg ffmpeg;
    private final JobQueue queue;
    private final boolean worker;

    public TranscodeReadiness(Ffmpeg ffmpeg, JobQueue queue, VodpackConfig config) {
        this.ffmpeg = ffmpeg;
        this.queue = queue;
        this.worker = config.packaging().workersEnabled();
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        var builder = HealthCheckResponse.named("transcoder").withData("ffmpeg", ffmpeg.executable());
        if (!worker || EngineReadiness.resolve(ffmpeg.executable()).isPresent()) {
            return Uni.createFrom().item(builder.up().build());
        }
        return queue.unfinishedRenditions().map(waiting -> waiting == 0
                ? builder.up().withData("reason", "ffmpeg not found; needed only for ladders, none waiting").build()
                : builder.down().withData("reason", "ffmpeg not found at '" + ffmpeg.executable() + "'"
                        + " (vodpack.packaging.transcode.ffmpeg-path) and " + waiting + " rendition(s) of ladders wait for it")
                        .build());
    }
}
