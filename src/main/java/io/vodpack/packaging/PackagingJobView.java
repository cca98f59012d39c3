package io.vodpack.packaging;

import java.time.OffsetDateTime;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A packaging job as clients see it; {@code url}, {@code key} and {@code kid} once it is DONE. */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "PackagedContent")
public record PackagingJobView(
        @Schema(example = "55") long packagedContentId,
        @Schema(example = "DONE", enumeration = { "QUEUED", "RUNNING", "DONE", "FAILED", "CANCELLED" }) String status,
        @Schema(example = "1") Long inputContentId,
        @Schema(example = "http://localhost:8080/content/55/stream.mpd") String url,
        @Schema(example = "hyN9IKGfWKdAwFaE5pm0qg") String key,
        @Schema(example = "oW5AK5BW43HzbTSKpiu3SQ") String kid,
        @Schema(example = "http://localhost:8080/player/55") String playerUrl,
        @Schema(example = "http://localhost:8080/license/clearkey/55") String licenseUrl,
        @Schema(example = "shaka") String engine,
        @Schema(example = "40") Integer progress,
        @Schema(example = "1") int attempts,
        String error,
        OffsetDateTime createdAt,
        OffsetDateTime startedAt,
        OffsetDateTime finishedAt) {

    /** The view for the job's current status; keys appear when the client created the job and once it is DONE. */
    static PackagingJobView of(PackagingJob job, String baseUrl, boolean withKeys) {
        boolean done = job.status == PackagingJob.Status.DONE;
        boolean active = !job.status.finished();
        return new PackagingJobView(job.id, job.status.name(), job.inputContentId,
                done ? baseUrl + "/content/" + job.id + "/stream.mpd" : null,
                withKeys || done ? job.keyText : null,
                withKeys || done ? job.kidText : null,
                baseUrl + "/player/" + job.id,
                done ? baseUrl + "/license/clearkey/" + job.id : null,
                job.engine, active ? Integer.valueOf(job.progress) : done ? Integer.valueOf(100) : null, job.attempts,
                job.errorDetail != null && job.status != PackagingJob.Status.DONE ? job.errorDetail : null,
                job.createdAt, job.startedAt, job.finishedAt);
    }
}
