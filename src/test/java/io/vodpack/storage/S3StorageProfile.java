package io.vodpack.storage;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.vodpack.support.S3Server;

/**
 * The service with storage kind {@code s3}, against the test JVM's S3Proxy ({@link S3Server#shared()}), bucket
 * {@value #BUCKET} (created by the service at start), and a scratch folder of its own. Every segment request reads
 * the bucket here (no segment cache; {@code io.vodpack.delivery.S3SegmentCacheTest} holds the cache to the same answers).
 */
public class S3StorageProfile implements QuarkusTestProfile {

    public static final String BUCKET = "vodpack-test";

    @Override
    public Map<String, String> getConfigOverrides() {
        S3Server.credentialsForThisJvm();
        Map<String, String> properties = new HashMap<>(S3Server.shared().serviceProperties(BUCKET));
        properties.put("vodpack.storage.root", "target/test-scratch-s3");
        properties.put("vodpack.delivery.cache-size", "0");
        return properties;
    }
}
