package io.vodpack.access.apikey;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The secret half of an API key: {@code vpk_} and 192 random bits in base64url. Only its SHA-256 is stored
 * (the secret has full entropy, so a fast hash is enough); the first characters are kept as a non-secret
 * prefix that identifies the key in lists and logs.
 */
public final class ApiKeySecret {

    public static final String PREFIX = "vpk_";
    /** Characters of the secret shown as its identifying prefix ({@code vpk_} plus eight). */
    static final int SHOWN = PREFIX.length() + 8;
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeySecret() {
    }

    public static String generate() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Hex SHA-256 of the secret, the form stored and looked up. */
    public static String hash(String secret) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha256.digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /** The non-secret identifying prefix of a key, safe for lists and logs. */
    public static String shownPrefix(String secret) {
        return secret.length() <= SHOWN ? secret.substring(0, Math.min(4, secret.length())) : secret.substring(0, SHOWN);
    }
}
