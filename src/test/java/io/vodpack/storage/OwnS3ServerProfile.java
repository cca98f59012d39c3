package io.vodpack.storage;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.vodpack.support.S3Server;

/**
 * Storage kind s3 against an S3 server of its own, which tests may stop and start again or freeze (an outage), with segments
 * answered by a redirect to a presigned URL ({@code vodpack.delivery.redirect=true}).
 */
public class OwnS3ServerProfile implements QuarkusTestProfile {

    public static final String BUCKET = "vodpack-own";
    /** How long the S3 server may stay silent before a request to it fails. */
    public static final Duration TIMEOUT = Duration.ofSeconds(3);

    /** This profile's server, started on first use. */
    public static S3Server server() {
        return S3Server.named("own");
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        S3Server.credentialsForThisJvm();
        Map<String, String> properties = new HashMap<>(server().serviceProperties(BUCKET));
        properties.put("vodpack.storage.root", "target/test-scratch-own-s3");
        properties.put("vodpack.delivery.redirect", "true");
        properties.put("vodpack.delivery.redirect-ttl", "PT1M");
        // A stopped S3Proxy leaves the file of a PUT it was receiving, listed as an object: swept as an orphan this soon.
        properties.put("vodpack.upload.stale-after", "PT5S");
        properties.put("vodpack.storage.s3.timeout", TIMEOUT.toString());
        return properties;
    }
}
