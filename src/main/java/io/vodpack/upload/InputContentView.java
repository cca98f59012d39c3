package io.vodpack.upload;

import java.time.OffsetDateTime;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** An input as clients see it. */
@RegisterForReflection
@Schema(name = "InputContent", description = "An uploaded MP4 that passed validation")
public record InputContentView(
        @Schema(example = "1") long inputContentId,
        @Schema(example = "trailer.mp4") String filename,
        @Schema(example = "video/mp4") String contentType,
        @Schema(example = "104857600") long sizeBytes,
        @Schema(example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08") String sha256,
        @Schema(example = "avc1.64001f") String videoCodec,
        @Schema(example = "mp4a.40.2") String audioCodec,
        @Schema(example = "1920") int width,
        @Schema(example = "1080") int height,
        @Schema(example = "120000") long durationMs,
        @Schema(example = "READY") String status,
        OffsetDateTime createdAt) {

    static InputContentView of(InputContent c) {
        return new InputContentView(c.id, c.originalFilename, c.contentType, c.sizeBytes, c.sha256, c.videoCodec,
                c.audioCodec, c.width, c.height, c.durationMillis, c.status.name(), c.createdAt);
    }
}
