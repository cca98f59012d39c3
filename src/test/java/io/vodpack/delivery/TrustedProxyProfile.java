package io.vodpack.delivery;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** TRUST_FORWARDED_HEADERS=true as in the Kubernetes setup, with the public base URL it requires. */
public class TrustedProxyProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.http.proxy.proxy-address-forwarding", "true", "quarkus.http.proxy.allow-x-forwarded", "true",
                "quarkus.http.proxy.enable-forwarded-host", "true", "vodpack.public-base-url", "https://vod.example.com");
    }
}
