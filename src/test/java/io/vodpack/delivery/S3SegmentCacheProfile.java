package io.vodpack.delivery;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.vodpack.support.S3Server;

/**
 * Storage kind s3 with segments proxied and kept on the scratch disk ({@code vodpack.delivery.cache-size}), against an
 * S3 server of its own that tests may stop or freeze (the kept segments must still be served).
 */
public class S3SegmentCacheProfile implements QuarkusTestProfile {

    public static final String BUCKET = "vodpack-cache";
    /** Small: a few of the test streams fill it (a kept object is at most a quarter of it). */
    public static final long CACHE_SIZE = 1_000_000;
    /** How long the S3 server may stay silent before a request to it fails. */
    public static final Duration TIMEOUT = Duration.ofSeconds(3);

    /** This profile's server, started on first use. */
    public static S3Server server() {
        return S3Server.named("cache");
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        S3Server.credentialsForThisJvm();
        Map<String, String> properties = new HashMap<>(server().serviceProperties(BUCKET));
        properties.put("vodpack.storage.root", "target/test-scratch-cache-s3");
        properties.put("vodpack.delivery.cache-size", Long.toString(CACHE_SIZE));
        properties.put("vodpack.storage.s3.timeout", TIMEOUT.toString());
        return properties;
    }
}
