package io.vodpack.upload.resumable;

import java.security.MessageDigest;
import java.util.Base64;

import io.vodpack.core.error.ProblemException;
import io.vodpack.upload.ingest.Digests;

/** A chunk checksum the client sent in {@code Upload-Checksum: <algorithm> <base64>} (tus checksum extension). */
public record ChunkChecksum(String algorithm, byte[] expected) {

    /** The algorithms a client may name, as tus spells them. */
    static final String ALGORITHMS = "sha1,sha256";

    /** Parses the header; null when it is absent. */
    public static ChunkChecksum parse(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String[] parts = header.strip().split("\\s+");
        if (parts.length != 2) {
            throw ProblemException.badRequest("malformed-checksum", "Upload-Checksum must be '<algorithm> <base64 digest>'.");
        }
        jdkName(parts[0]);
        try {
            return new ChunkChecksum(parts[0], Base64.getDecoder().decode(parts[1]));
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("malformed-checksum", "The Upload-Checksum digest is not base64.");
        }
    }

    /** A fresh digest of this checksum's algorithm, to feed the chunk's bytes to. */
    MessageDigest newDigest() {
        return Digests.of(jdkName(algorithm));
    }

    boolean matches(MessageDigest chunk) {
        return MessageDigest.isEqual(chunk.digest(), expected);
    }

    private static String jdkName(String algorithm) {
        return switch (algorithm) {
            case "sha1" -> "SHA-1";
            case "sha256" -> "SHA-256";
            default -> throw ProblemException.badRequest("checksum-algorithm",
                    "Upload-Checksum algorithm '" + algorithm + "' is not supported; use sha1 or sha256.");
        };
    }
}
