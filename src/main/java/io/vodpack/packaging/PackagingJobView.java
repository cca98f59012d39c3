package io.vodpack.packaging;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.vodpack.access.playback.PlaybackTokens;

/**
 * A packaging job as clients see it. Once it is DONE: {@code url} (the MPD), {@code hls_url} (the HLS master
 * playlist, when the engine wrote HLS), {@code player_url} and {@code license_url} carrying a fresh playback token (so they work as they are, until {@code token_expires_at}), and, for the
 * job's own GET and POST, {@code key} and {@code kid}. Lists never carry keys.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "PackagedContent")
public record PackagingJobView(
        @Schema(example = "55") long packagedContentId,
        @Schema(example = "DONE", enumeration = { "QUEUED", "RUNNING", "DONE", "FAILED", "CANCELLED" }) String status,
        @Schema(example = "1") Long inputContentId,
        @Schema(description = "The DASH MPD, once DONE", example = "http://localhost:8080/content/55/stream.mpd?token=eyJ…") String url,
        @Schema(description = "The HLS master playlist over the same segments, once DONE (absent for engines that write no HLS)",
                example = "http://localhost:8080/content/55/master.m3u8?token=eyJ…") String hlsUrl,
        @Schema(example = "hyN9IKGfWKdAwFaE5pm0qg") String key,
        @Schema(example = "oW5AK5BW43HzbTSKpiu3SQ") String kid,
        @Schema(description = "A ladder with separate keys: the KID and key of each DRM label (AUDIO, SD, HD); key and kid"
                + " above are the SD pair") List<LabelledKeyView> keys,
        @Schema(example = "http://localhost:8080/player/55?token=eyJ…") String playerUrl,
        @Schema(example = "http://localhost:8080/license/clearkey/55?token=eyJ…") String licenseUrl,
        @Schema(description = "When the playback token in the URLs expires") Instant tokenExpiresAt,
        @Schema(example = "shaka") String engine,
        @Schema(example = "40", description = "Percent done; with a ladder one figure over the whole job (transcoding"
                + " 90 %, packaging 10 %)") Integer progress,
        @Schema(example = "TRANSCODING", enumeration = { "TRANSCODING", "PACKAGING" },
                description = "With a ladder, while the job is unfinished: what it is doing") String stage,
        @Schema(description = "With a ladder: the renditions made for it, tallest first, then the audio") List<RenditionView> renditions,
        @Schema(example = "1") int attempts,
        String error,
        OffsetDateTime createdAt,
        OffsetDateTime startedAt,
        OffsetDateTime finishedAt) {

    /** One rendition of a ladder: a video rung ({@code height}, {@code video_bitrate} in kbit/s) or the audio. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(name = "Rendition")
    public record RenditionView(
            @Schema(example = "720p") String name,
            @Schema(example = "video", enumeration = { "video", "audio" }) String type,
            @Schema(example = "720") Integer height,
            @Schema(example = "3000") Integer videoBitrate,
            @Schema(example = "DONE", enumeration = { "QUEUED", "RUNNING", "DONE", "FAILED", "CANCELLED" }) String status,
            @Schema(example = "100") int progress) {

        static RenditionView of(PackagingJob rendition) {
            return new RenditionView(rendition.rendition, rendition.renditionHeight == null ? "audio" : "video",
                    rendition.renditionHeight, rendition.renditionBitrate, rendition.status.name(), rendition.progress);
        }
    }

    /** The KID and key of one DRM label. */
    @RegisterForReflection
    @Schema(name = "LabelledKey")
    public record LabelledKeyView(
            @Schema(example = "HD", enumeration = { "AUDIO", "SD", "HD" }) String label,
            @Schema(example = "oW5AK5BW43HzbTSKpiu3SQ") String kid,
            @Schema(example = "hyN9IKGfWKdAwFaE5pm0qg") String key) {

        /** Keys are secrets: never print them. */
        @Override
        public String toString() {
            return "LabelledKeyView[" + label + ", redacted]";
        }
    }

    /** TRANSCODING while a ladder's renditions are made, PACKAGING once its packaging is claimed; null otherwise. */
    private static String stage(PackagingJob job) {
        if (job.ladder == null || job.status.finished() || job.renditions == null) {
            return null;
        }
        boolean transcoded = job.renditions.stream().allMatch(r -> r.status == PackagingJob.Status.DONE);
        return job.status == PackagingJob.Status.RUNNING || transcoded ? "PACKAGING" : "TRANSCODING";
    }

    /**
     * The view for the job's current status. {@code withKeys}: the key and KID (for the job's owner, on its own
     * GET and POST). {@code token}: the playback token for the URLs of a DONE job (null before).
     */
    static PackagingJobView of(PackagingJob job, String baseUrl, boolean withKeys, PlaybackTokens.Minted token) {
        boolean done = job.status == PackagingJob.Status.DONE && token != null;
        boolean active = !job.status.finished();
        String query = done ? "?" + PlaybackTokens.query(token.token()) : "";
        return new PackagingJobView(job.id, job.status.name(), job.inputContentId,
                done ? baseUrl + "/content/" + job.id + "/stream.mpd" + query : null,
                done && job.hls ? baseUrl + "/content/" + job.id + "/master.m3u8" + query : null,
                withKeys ? job.keyText : null,
                withKeys ? job.kidText : null,
                withKeys && job.labelledKeys != null && !job.labelledKeys.isEmpty()
                        ? job.labelledKeys.stream().map(k -> new LabelledKeyView(k.label(), k.kid(), k.key())).toList() : null,
                done ? baseUrl + "/player/" + job.id + query : null,
                done ? baseUrl + "/license/clearkey/" + job.id + query : null,
                done ? token.expiresAt() : null,
                job.engine, active ? Integer.valueOf(job.progress) : done ? Integer.valueOf(100) : null, stage(job),
                job.renditions == null || job.ladder == null ? null : job.renditions.stream().map(RenditionView::of).toList(),
                job.attempts,
                job.errorDetail != null && job.status != PackagingJob.Status.DONE ? job.errorDetail : null,
                job.createdAt, job.startedAt, job.finishedAt);
    }
}
