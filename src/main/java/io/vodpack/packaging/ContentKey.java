package io.vodpack.packaging;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

import io.vodpack.core.error.ProblemException;

/**
 * A 16-byte key or key ID (KID). Clients may write it as unpadded base64url (the form the W3C ClearKey
 * license exchange uses), padded base64, or 32 hex digits; {@link #text()} keeps the form they sent.
 */
public record ContentKey(byte[] bytes, String text) {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{32}");
    private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]{22}");
    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/]{22}==");

    /** Parses {@code value} of request field {@code field}, or fails with a 400 that names the field. */
    public static ContentKey parse(String field, String value) {
        String v = value.strip();
        byte[] bytes;
        if (HEX.matcher(v).matches()) {
            bytes = HexFormat.of().parseHex(v);
        } else if (BASE64URL.matcher(v).matches()) {
            bytes = Base64.getUrlDecoder().decode(v);
        } else if (BASE64.matcher(v).matches()) {
            bytes = Base64.getDecoder().decode(v);
        } else {
            throw ProblemException.badRequest("invalid-" + field, "'" + field + "' must be 16 bytes written as unpadded "
                    + "base64url (22 characters, e.g. hyN9IKGfWKdAwFaE5pm0qg), padded base64 (24 characters) or 32 hex digits.");
        }
        if (bytes.length != 16) {
            throw ProblemException.badRequest("invalid-" + field, "'" + field + "' must be exactly 16 bytes.");
        }
        return new ContentKey(bytes, v);
    }

    /** A new random key from a secure source, written as unpadded base64url. */
    public static ContentKey random() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return new ContentKey(bytes, base64url(bytes));
    }

    public static ContentKey ofHex(String hex, String text) {
        return new ContentKey(HexFormat.of().parseHex(hex), text);
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    public String base64url() {
        return base64url(bytes);
    }

    /** The KID as a UUID string, the form of {@code cenc:default_KID} in an MPD. */
    public String uuid() {
        String h = hex();
        return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-" + h.substring(16, 20) + "-"
                + h.substring(20);
    }

    private static String base64url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Keys are secrets: never print them. */
    @Override
    public String toString() {
        return "ContentKey[redacted]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ContentKey k && java.util.Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(bytes);
    }
}
