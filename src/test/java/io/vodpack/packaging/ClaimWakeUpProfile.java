package io.vodpack.packaging;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Workers that poll the queue once an hour: a job they start within seconds was announced by its notification. */
public class ClaimWakeUpProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("vodpack.packaging.poll-interval", "1h");
    }
}
