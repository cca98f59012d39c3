package io.vodpack.upload.ingest;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Message digests of upload bodies: the file's SHA-256, and the SHA-1 or SHA-256 of a resumable chunk. */
public final class Digests {

    private Digests() {
    }

    public static MessageDigest sha256() {
        return of("SHA-256");
    }

    /** A fresh digest; {@code algorithm} is a JDK name every Java platform provides (SHA-1, SHA-256). */
    public static MessageDigest of(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is required by every Java platform", e);
        }
    }

    /** An independent copy of a running digest, to go on from the same state in two directions. */
    public static MessageDigest copy(MessageDigest digest) {
        try {
            return (MessageDigest) digest.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA digests of the JDK can be cloned", e);
        }
    }
}
