package io.vodpack.storage;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.vodpack.support.S3Server;

/**
 * Storage kind s3 with the smallest part S3 takes (5 MiB) and uploads up to 64 MiB, so that test files span several
 * parts; multipart uploads nobody has written a part to for 3 s are stale (the sweep runs every second).
 */
public class S3PartsProfile implements QuarkusTestProfile {

    public static final String BUCKET = "vodpack-parts";
    public static final int PART_SIZE = 5 << 20;

    @Override
    public Map<String, String> getConfigOverrides() {
        S3Server.credentialsForThisJvm();
        Map<String, String> properties = new HashMap<>(S3Server.shared().serviceProperties(BUCKET));
        properties.put("vodpack.storage.root", "target/test-scratch-s3-parts");
        properties.put("vodpack.storage.s3.part-size", String.valueOf(PART_SIZE));
        properties.put("vodpack.upload.max-size", String.valueOf(64 << 20));
        properties.put("vodpack.upload.stale-after", "PT3S");
        return properties;
    }
}
