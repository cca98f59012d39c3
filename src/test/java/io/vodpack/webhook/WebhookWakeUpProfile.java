package io.vodpack.webhook;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * An instance with a public base URL whose webhook poll runs once an hour: a delivery that arrives within seconds
 * was sent because the outbox notification woke the deliverer.
 */
public class WebhookWakeUpProfile implements QuarkusTestProfile {

    static final String PUBLIC_BASE_URL = "https://vod.example.test";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("vodpack.webhooks.poll-interval", "1h", "vodpack.public-base-url", PUBLIC_BASE_URL + "/");
    }
}
