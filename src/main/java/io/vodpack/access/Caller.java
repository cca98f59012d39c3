package io.vodpack.access;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.security.identity.SecurityIdentity;

/**
 * Who is calling, as the features need it: the owner whose content the request may see and change.
 * An admin key acts across owners on the endpoints that say so; {@link #ownerFilter()} is then null.
 * Read on the request's thread, before any asynchronous step (the identity is request-scoped).
 */
@ApplicationScoped
public class Caller {

    private final SecurityIdentity identity;

    public Caller(SecurityIdentity identity) {
        this.identity = identity;
    }

    /** The owner new content belongs to. */
    public String owner() {
        if (identity.isAnonymous()) {
            throw new IllegalStateException("no authenticated caller: the endpoint lacks @RolesAllowed");
        }
        return identity.getPrincipal().getName();
    }

    /** The API key the request came with, for per-key limits; the owner's name for other identities (OIDC). */
    public String keyHolder() {
        Object keyId = identity.getAttribute(ApiKeyIdentityProvider.KEY_ID);
        return keyId != null ? "key:" + keyId : "owner:" + owner();
    }

    public boolean isAdmin() {
        return identity.hasRole(Scope.Names.ADMIN);
    }

    /** The owner to filter reads and changes by; null for an admin key, which sees every owner's content. */
    public String ownerFilter() {
        return isAdmin() ? null : owner();
    }
}
