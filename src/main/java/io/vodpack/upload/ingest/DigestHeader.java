package io.vodpack.upload.ingest;

import java.util.Base64;

import io.vodpack.core.error.ProblemException;

/** Reads the sha-256 member of an RFC 9530 {@code Content-Digest} or {@code Repr-Digest} field. */
public final class DigestHeader {

    private DigestHeader() {
    }

    /** The 32-byte digest, or null when the field is absent or names only other algorithms. */
    public static byte[] sha256(String headerName, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        for (String member : value.split(",")) {
            String[] pair = member.strip().split("=", 2);
            if (pair.length != 2 || !pair[0].strip().equalsIgnoreCase("sha-256")) {
                continue;
            }
            String item = pair[1].strip();
            int params = item.indexOf(';');
            if (params >= 0) {
                item = item.substring(0, params).strip();
            }
            if (item.length() < 2 || item.charAt(0) != ':' || item.charAt(item.length() - 1) != ':') {
                throw malformed(headerName);
            }
            try {
                byte[] digest = Base64.getDecoder().decode(item.substring(1, item.length() - 1));
                if (digest.length != 32) {
                    throw malformed(headerName);
                }
                return digest;
            } catch (IllegalArgumentException e) {
                throw malformed(headerName);
            }
        }
        return null;
    }

    private static ProblemException malformed(String headerName) {
        return ProblemException.badRequest("malformed-digest", headerName
                + " must look like sha-256=:<base64 of the 32-byte SHA-256>: (RFC 9530).");
    }
}
