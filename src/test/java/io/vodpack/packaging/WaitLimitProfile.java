package io.vodpack.packaging;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** An instance that holds at most two waiting requests, so the bound is reached with a few calls. */
public class WaitLimitProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("vodpack.events.max-waiting", "2");
    }
}
