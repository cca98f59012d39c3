package io.vodpack.packaging;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** A queue that holds three jobs, and outputs that never fit on the disk (the size factor is absurdly large). */
public class QueueLimitProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("vodpack.packaging.max-queued-jobs", "3", "vodpack.packaging.output-size-factor", "1e12",
                "vodpack.packaging.retry-backoff", "PT2S");
    }
}
