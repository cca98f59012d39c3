package io.vodpack.delivery;

import java.util.ArrayList;
import java.util.List;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.vodpack.access.playback.PlaybackTokens;
import io.vodpack.core.error.Problem;
import io.vodpack.core.error.ProblemException;
import io.vodpack.packaging.ContentKey;
import io.vodpack.packaging.PublishedContent;
import io.vodpack.packaging.PublishedContent.Keys;

/**
 * W3C EME ClearKey license server: the player sends the KIDs it needs and gets the keys back as JWKs.
 * {@code /license/clearkey/{id}} answers for one packaged content (the URL in its MPD);
 * {@code /license/clearkey} answers by KID alone. Both need the content's playback token ({@code ?token=}),
 * and answer only KIDs of the token's content: a viewer's token never opens other content. One KID has one key
 * (refused otherwise when a job is created).
 */
@Path("/license/clearkey")
@PermitAll
@Consumes(MediaType.WILDCARD)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Delivery")
public class ClearKeyLicenseResource {

    private final PublishedContent published;
    private final ObjectMapper json;
    private final PlaybackTokens tokens;

    public ClearKeyLicenseResource(PublishedContent published, ObjectMapper json, PlaybackTokens tokens) {
        this.tokens = tokens;
        this.published = published;
        this.json = json;
    }

    /** {@code {"kids":["<base64url>"],"type":"temporary"}} */
    @RegisterForReflection
    @Schema(name = "ClearKeyLicenseRequest")
    public record LicenseRequest(List<String> kids, String type) {
    }

    @RegisterForReflection
    @Schema(name = "ClearKeyJwk")
    public record Jwk(String kty, String kid, String k) {
    }

    @RegisterForReflection
    @Schema(name = "ClearKeyLicense")
    public record License(List<Jwk> keys, String type) {
    }

    @POST
    @Path("/{id}")
    @Operation(summary = "ClearKey license for one packaged content")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = License.class)))
    @APIResponse(responseCode = "400", description = "No kids in the request",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "Unknown content, not DONE, or none of the KIDs is its KID",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @RequestBody(content = @Content(schema = @Schema(implementation = LicenseRequest.class)))
    @APIResponse(responseCode = "401", description = "No, an expired or an altered playback token",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "403", description = "A playback token for other content, or a KID of other content",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<License> forContent(@PathParam("id") long id, @QueryParam("token") String token, byte[] body) {
        tokens.verify(token, id);
        LicenseRequest request = read(body);
        List<String> kids = kids(request);
        return published.publishedKeys(id).map(keys -> answer(request, kids, keys));
    }

    @POST
    @Operation(summary = "ClearKey license by KID")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = License.class)))
    @APIResponse(responseCode = "400", description = "No kids in the request",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No finished content has any of these KIDs",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @RequestBody(content = @Content(schema = @Schema(implementation = LicenseRequest.class)))
    @APIResponse(responseCode = "401", description = "No, an expired or an altered playback token",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "403", description = "A KID that is not the token's content's",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<License> byKid(@QueryParam("token") String token, byte[] body) {
        long id = tokens.contentOf(token);
        LicenseRequest request = read(body);
        List<String> kids = kids(request);
        return published.publishedKeys(id).map(keys -> answer(request, kids, keys));
    }

    /** Players send the EME license message with various Content-Types; it is always JSON. */
    private LicenseRequest read(byte[] body) {
        try {
            return body == null || body.length == 0 ? null : json.readValue(body, LicenseRequest.class);
        } catch (java.io.IOException e) {
            throw ProblemException.badRequest("invalid-license-request",
                    "The license request is not JSON like {\"kids\":[\"<base64url KID>\"],\"type\":\"temporary\"}.");
        }
    }

    private static List<String> kids(LicenseRequest request) {
        if (request == null || request.kids() == null || request.kids().isEmpty()) {
            throw ProblemException.badRequest("invalid-license-request",
                    "Send {\"kids\":[\"<base64url KID>\"],\"type\":\"temporary\"}.");
        }
        if (request.kids().stream().anyMatch(kid -> kid == null)) {
            throw ProblemException.badRequest("invalid-license-request", "Every entry of 'kids' must be a base64url KID, not null.");
        }
        return request.kids();
    }

    /** Answers every requested KID with its key; a KID that is not one of the content's is refused (403). */
    private static License answer(LicenseRequest request, List<String> kids, Keys content) {
        List<Jwk> keys = new ArrayList<>();
        for (String kid : kids) {
            ContentKey key = kid == null ? null : content.keyOf(ContentKey.parse("kids", kid)).orElse(null);
            if (key == null) {
                throw new ProblemException(403, "kid-of-other-content", "Forbidden",
                        "KID " + kid + " is not a KID of packaged content " + content.id() + ".");
            }
            keys.add(new Jwk("oct", kid, key.base64url()));
        }
        return new License(keys, request.type() == null ? "temporary" : request.type());
    }
}
