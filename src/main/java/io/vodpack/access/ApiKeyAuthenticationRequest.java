package io.vodpack.access;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** The secret a client presented as its API key; its own type so that no other identity provider takes it. */
public class ApiKeyAuthenticationRequest extends BaseAuthenticationRequest {

    private final String secret;

    public ApiKeyAuthenticationRequest(String secret) {
        this.secret = secret;
    }

    public String secret() {
        return secret;
    }

    @Override
    public String toString() {
        return "ApiKeyAuthenticationRequest[secret=<redacted>]";
    }
}
