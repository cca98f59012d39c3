package io.vodpack.access.apikey;

import java.net.URI;
import java.time.OffsetDateTime;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.vodpack.access.Scope;
import io.vodpack.core.error.Problem;

/** API keys: created with their secret shown once, listed by prefix, revoked. Admin keys only. */
@Path("/api_keys")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Scope.Names.ADMIN)
@Tag(name = "Access")
public class ApiKeyResource {

    private final ApiKeyService keys;

    public ApiKeyResource(ApiKeyService keys) {
        this.keys = keys;
    }

    /** Body of POST /api_keys. */
    @RegisterForReflection
    public record NewApiKey(String owner, List<String> scopes) {
    }

    /** A key as listed: never its secret. */
    @RegisterForReflection
    public record ApiKeyView(long id, String prefix, String owner, List<String> scopes, OffsetDateTime createdAt,
            OffsetDateTime lastUsedAt, OffsetDateTime revokedAt) {
        static ApiKeyView of(ApiKey key) {
            return new ApiKeyView(key.id, key.prefix, key.owner, List.of(key.scopes.split(",")), key.createdAt,
                    key.lastUsedAt, key.revokedAt);
        }
    }

    /** A key just created: the secret appears here and nowhere else, ever. */
    @RegisterForReflection
    public record CreatedApiKey(long id, String key, String prefix, String owner, List<String> scopes,
            OffsetDateTime createdAt) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create an API key for an owner; the secret is in this answer only")
    @APIResponse(responseCode = "201", content = @Content(schema = @Schema(implementation = CreatedApiKey.class)))
    @APIResponse(responseCode = "400", description = "Bad owner or scopes",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> create(NewApiKey request) {
        NewApiKey body = request == null ? new NewApiKey(null, null) : request;
        return keys.create(body.owner(), body.scopes()).map(created -> Response
                .created(URI.create("/api_keys/" + created.key().id))
                .entity(new CreatedApiKey(created.key().id, created.secret(), created.key().prefix, created.key().owner,
                        List.of(created.key().scopes.split(",")), created.key().createdAt))
                .build());
    }

    @GET
    @Operation(summary = "API keys, newest first (prefixes only, never secrets)")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(type = SchemaType.ARRAY, implementation = ApiKeyView.class)))
    public Uni<List<ApiKeyView>> list(@QueryParam("page") @DefaultValue("0") @Min(0) @Max(1_000_000) int page,
            @QueryParam("size") @DefaultValue("20") @Min(1) @Max(200) int size) {
        return keys.list(page, size).map(list -> list.stream().map(ApiKeyView::of).toList());
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Revoke an API key (every replica refuses it within vodpack.security.key-cache)")
    @APIResponse(responseCode = "204", description = "Revoked")
    @APIResponse(responseCode = "404", description = "No such key",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "The last active admin key",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> revoke(@PathParam("id") long id) {
        return keys.revoke(id).replaceWith(Response.noContent().build());
    }
}
