package io.vodpack.access;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vodpack.access.apikey.ApiKeyVerifier;

/**
 * Turns a presented API key into a security identity: the principal is the key's owner, the roles are its
 * scopes (admin holds them all), and the key's id and prefix ride along as attributes for logs and lists.
 */
@ApplicationScoped
public class ApiKeyIdentityProvider implements IdentityProvider<ApiKeyAuthenticationRequest> {

    public static final String KEY_ID = "vodpack.api-key-id";
    public static final String KEY_PREFIX = "vodpack.api-key-prefix";

    private final ApiKeyVerifier verifier;

    public ApiKeyIdentityProvider(ApiKeyVerifier verifier) {
        this.verifier = verifier;
    }

    @Override
    public Class<ApiKeyAuthenticationRequest> getRequestType() {
        return ApiKeyAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ApiKeyAuthenticationRequest request, AuthenticationRequestContext context) {
        // event loop: the lookup is one indexed query on the reactive client, or the short-lived cache.
        return verifier.verify(request.secret()).map(found -> {
            var key = found.orElseThrow(() -> new AuthenticationFailedException("the API key is unknown or revoked"));
            return QuarkusSecurityIdentity.builder()
                    .setPrincipal(new QuarkusPrincipal(key.owner()))
                    .addRoles(Scope.roles(key.scopes()))
                    .addAttribute(KEY_ID, key.id())
                    .addAttribute(KEY_PREFIX, key.prefix())
                    .build();
        });
    }
}
