package io.vodpack.upload.resumable;

import java.time.OffsetDateTime;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A resumable upload as clients see it in {@code GET /files/{id}}. */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "ResumableUpload")
public record ResumableUploadView(String uploadId, String status, long offset, long length, String filename,
        Long inputContentId, Integer errorStatus, String error, OffsetDateTime expiresAt) {

    static ResumableUploadView of(ResumableUpload s) {
        return new ResumableUploadView(s.id, s.status.name(), s.offset, s.length, s.filename, s.inputContentId,
                s.errorStatus, s.errorDetail, s.expiresAt);
    }
}
