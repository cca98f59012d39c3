package io.vodpack.packaging;

import com.fasterxml.jackson.databind.JsonNode;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** Body of {@code POST /packaged_content}. */
@RegisterForReflection
@Schema(name = "PackagingOrder")
public record PackagingJobRequest(
        @Schema(required = true, example = "1", description = "Id returned by the upload") Long inputContentId,
        @Schema(example = "hyN9IKGfWKdAwFaE5pm0qg", description = "16-byte content key: unpadded base64url, padded base64 or 32 hex digits; generated when omitted") String key,
        @Schema(example = "oW5AK5BW43HzbTSKpiu3SQ", description = "16-byte key ID (KID), same forms; generated when omitted") String kid,
        @Schema(description = "Renditions to transcode and package together: \"none\" (the default: the input as it is),"
                + " \"default\" (1080p/720p/540p/360p/234p, docs/multi-bitrate.md) or a list of at most 8 rungs"
                + " like [{\"height\": 720, \"video_bitrate\": 3000}] (height: even, 120 to 2160 lines; video_bitrate:"
                + " 100 to 50000 kbit/s). Rungs taller than the source are dropped.",
                example = "\"default\"", implementation = Object.class) JsonNode ladder,
        @Schema(description = "With a ladder, instead of key and kid: separate keys for the audio, the SD rungs (below 720"
                + " lines) and the HD rungs; each pair as key and kid, generated when omitted") LadderKeys keys) {

    /** The body of the brief's request: an input packaged as it is. */
    public PackagingJobRequest(Long inputContentId, String key, String kid) {
        this(inputContentId, key, kid, null, null);
    }

    /** Separate keys per DRM label of a ladder. */
    @RegisterForReflection
    @Schema(name = "LadderKeys")
    public record LadderKeys(KeyPair audio, KeyPair sd, KeyPair hd) {
    }

    /** One key and its KID, in the same forms as the request's {@code key} and {@code kid}. */
    @RegisterForReflection
    @Schema(name = "KeyPair")
    public record KeyPair(
            @Schema(example = "hyN9IKGfWKdAwFaE5pm0qg") String key,
            @Schema(example = "oW5AK5BW43HzbTSKpiu3SQ") String kid) {

        /** Keys are secrets: never print them. */
        @Override
        public String toString() {
            return "KeyPair[redacted]";
        }
    }
}
