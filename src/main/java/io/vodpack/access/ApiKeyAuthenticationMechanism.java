package io.vodpack.access;

import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vodpack.access.apikey.ApiKeySecret;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code Authorization: Bearer <api key>}. No header: the request stays anonymous, and endpoints that need a
 * scope answer 401. A header that is not a bearer token, or a key that is unknown or revoked: 401 at once.
 * Bearer tokens that are JWTs are left to an OpenID Connect mechanism when one is configured
 * ({@code quarkus-oidc}, see docs/security.md).
 */
@ApplicationScoped
public class ApiKeyAuthenticationMechanism implements HttpAuthenticationMechanism {

    static final String CHALLENGE = "Bearer realm=\"vodpack\"";

    private final Instance<HttpAuthenticationMechanism> mechanisms;
    /** Whether another mechanism (OpenID Connect) is installed to take bearer tokens that are JWTs; looked up once. */
    private volatile Boolean othersTakeJwts;

    public ApiKeyAuthenticationMechanism(Instance<HttpAuthenticationMechanism> mechanisms) {
        this.mechanisms = mechanisms;
    }

    private boolean othersTakeJwts() {
        Boolean others = othersTakeJwts;
        if (others == null) {
            others = mechanisms.handlesStream().anyMatch(h -> !ApiKeyAuthenticationMechanism.class.equals(h.getBean().getBeanClass()));
            othersTakeJwts = others;
        }
        return others;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
        String header = context.request().getHeader("Authorization");
        if (header == null) {
            return Uni.createFrom().optional(Optional.empty());
        }
        if (header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Uni.createFrom().failure(new AuthenticationFailedException(
                    "the Authorization header must be 'Bearer <api key>'"));
        }
        String secret = header.substring(7).strip();
        if (othersTakeJwts() && !secret.startsWith(ApiKeySecret.PREFIX) && secret.chars().filter(c -> c == '.').count() == 2) {
            return Uni.createFrom().optional(Optional.empty());
        }
        if (secret.isEmpty() || secret.length() > 512) {
            return Uni.createFrom().failure(new AuthenticationFailedException("the bearer token is malformed"));
        }
        ApiKeyAuthenticationRequest request = new ApiKeyAuthenticationRequest(secret);
        HttpSecurityUtils.setRoutingContextAttribute(request, context);
        return identityProviderManager.authenticate(request);
    }

    /** Before any OpenID Connect mechanism: API keys are recognised here and never reach it. */
    @Override
    public int getPriority() {
        return DEFAULT_PRIORITY + 100;
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", CHALLENGE));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(ApiKeyAuthenticationRequest.class);
    }
}
