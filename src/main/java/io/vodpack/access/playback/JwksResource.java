package io.vodpack.access.playback;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The public keys that verify playback tokens (RFC 7517 JWK Set), for anyone who wants to check one. */
@Path("/.well-known/jwks.json")
@Tag(name = "Access")
@PermitAll
public class JwksResource {

    private final SigningKeys keys;

    public JwksResource(SigningKeys keys) {
        this.keys = keys;
    }

    @GET
    @Produces("application/jwk-set+json")
    @Operation(summary = "Public keys of playback tokens (JWK Set)")
    @APIResponse(responseCode = "200", description = "The keys that verify playback tokens; cache for at most a minute")
    public Response jwks() {
        return Response.ok(keys.jwks()).header("Cache-Control", "public, max-age=60").build();
    }
}
