package io.vodpack.delivery;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.smallrye.mutiny.Uni;
import io.vodpack.access.playback.PlaybackTokens;
import io.vodpack.core.error.Problem;
import io.vodpack.core.error.ProblemException;
import io.vodpack.packaging.ContentKey;
import io.vodpack.packaging.PublishedContent;

/**
 * The HLS key URI of a packaged content ({@code EXT-X-KEY} with {@code KEYFORMAT="identity"}): the 16 raw key bytes,
 * which HLS players take as the content key. Guarded like the ClearKey license: the content's playback token
 * ({@code ?token=}), DONE content only, never cached. {@code ?kid=} names the key wanted, any of the content's KIDs
 * (a ladder with separate keys has one per DRM label, and each media playlist names its own); without it the
 * content's own KID is meant.
 */
@Path("/license/hls")
@PermitAll
@Tag(name = "Delivery")
public class HlsKeyResource {

    private final PublishedContent published;
    private final PlaybackTokens tokens;

    public HlsKeyResource(PublishedContent published, PlaybackTokens tokens) {
        this.published = published;
        this.tokens = tokens;
    }

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "HLS key (KEYFORMAT identity) for one packaged content: the 16 raw key bytes",
            description = "The key URI written into the content's media playlists as they are served. Cache-Control: no-store.")
    @APIResponse(responseCode = "200", description = "The 16 key bytes",
            content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM,
                    schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "400", description = "kid is not 16 bytes (base64url, base64 or 32 hex digits)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "401", description = "No, an expired or an altered playback token",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "403", description = "A playback token for other content, or a KID of other content",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "Unknown content, or not DONE",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> key(@PathParam("id") long id, @QueryParam("token") String token,
            @Parameter(description = "The KID whose key is wanted (one of the content's KIDs); the content's own KID when omitted")
            @QueryParam("kid") String kid) {
        tokens.verify(token, id);
        ContentKey wanted = kid == null ? null : ContentKey.parse("kid", kid);
        return published.publishedKeys(id).map(keys -> {
            ContentKey key = wanted == null ? keys.key() : keys.keyOf(wanted).orElseThrow(
                    () -> new ProblemException(403, "kid-of-other-content", "Forbidden",
                            "KID " + kid + " is not a KID of packaged content " + id + "."));
            return Response.ok(key.bytes(), MediaType.APPLICATION_OCTET_STREAM_TYPE)
                    .header(HttpHeaders.CACHE_CONTROL, "no-store").build();
        });
    }
}
