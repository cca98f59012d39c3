package io.vodpack.packaging;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** An API-only instance: jobs stay where the test puts them, so the queue can be examined step by step. */
public class NoWorkersProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        // Queue tests put more jobs of one owner in the queue than an owner may have waiting by default.
        return Map.of("vodpack.packaging.workers-enabled", "false", "vodpack.packaging.max-attempts", "3",
                "vodpack.security.owner-max-queued-jobs", "100");
    }
}
