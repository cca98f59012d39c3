package io.vodpack.packaging;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** An API-only instance: jobs stay where the test puts them, so the queue can be examined step by step. */
public class NoWorkersProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("vodpack.packaging.workers-enabled", "false", "vodpack.packaging.max-attempts", "3");
    }
}
