package io.vodpack.access;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/** {@code vodpack.security.*}: API keys and playback tokens; defaults and explanations in application.properties. */
@ConfigMapping(prefix = "vodpack.security")
public interface AccessConfig {

    /** The first admin key, for automation and Kubernetes Secrets (at least 32 characters). */
    Optional<String> adminApiKey();

    /** How long a replica trusts what it read about a key: revocation takes effect everywhere within this. */
    Duration keyCache();

    /** Host names this instance answers to; empty: any (DNS rebinding protection when set). */
    Optional<List<String>> allowedHosts();

    Playback playback();

    interface Playback {
        /** Lifetime of a playback token when the request names none. */
        Duration tokenTtl();

        /** Longest lifetime a client may ask for. */
        Duration maxTokenTtl();
    }
}
