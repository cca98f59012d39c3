package io.vodpack.packaging;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** Body of {@code POST /packaged_content}. */
@RegisterForReflection
@Schema(name = "PackagingOrder")
public record PackagingJobRequest(
        @Schema(required = true, example = "1", description = "Id returned by the upload") Long inputContentId,
        @Schema(example = "hyN9IKGfWKdAwFaE5pm0qg", description = "16-byte content key: unpadded base64url, padded base64 or 32 hex digits; generated when omitted") String key,
        @Schema(example = "oW5AK5BW43HzbTSKpiu3SQ", description = "16-byte key ID (KID), same forms; generated when omitted") String kid) {
}
