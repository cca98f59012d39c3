package io.vodpack.delivery;

import java.util.ArrayList;
import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
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
import io.vodpack.core.error.Problem;
import io.vodpack.core.error.ProblemException;
import io.vodpack.packaging.ContentKey;
import io.vodpack.packaging.PublishedContent;
import io.vodpack.packaging.PublishedContent.Keys;

/**
 * W3C EME ClearKey license server: the player sends the KIDs it needs and gets the keys back as JWKs.
 * {@code /license/clearkey/{id}} answers for one packaged content (the URL in its MPD);
 * {@code /license/clearkey} answers by KID alone: one KID has one key (refused otherwise when a job is created).
 */
@Path("/license/clearkey")
@Consumes(MediaType.WILDCARD)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Delivery")
public class ClearKeyLicenseResource {

    private final PublishedContent published;
    private final ObjectMapper json;

    public ClearKeyLicenseResource(PublishedContent published, ObjectMapper json) {
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
    public Uni<License> forContent(@PathParam("id") long id, byte[] body) {
        LicenseRequest request = read(body);
        List<String> kids = kids(request);
        return published.keys(id).map(keys -> answer(request, kids, keys.stream().toList()));
    }

    @POST
    @Operation(summary = "ClearKey license by KID")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = License.class)))
    @APIResponse(responseCode = "400", description = "No kids in the request",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No finished content has any of these KIDs",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @RequestBody(content = @Content(schema = @Schema(implementation = LicenseRequest.class)))
    public Uni<License> byKid(byte[] body) {
        LicenseRequest request = read(body);
        List<String> kids = kids(request);
        List<ContentKey> wanted = kids.stream().map(k -> ContentKey.parse("kids", k)).toList();
        return published.keysByKid(wanted).map(keys -> answer(request, kids, keys));
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

    private static License answer(LicenseRequest request, List<String> kids, List<Keys> found) {
        List<Jwk> keys = new ArrayList<>();
        for (String kid : kids) {
            ContentKey wanted = ContentKey.parse("kids", kid);
            for (Keys content : found) {
                if (content.kid().equals(wanted)) {
                    keys.add(new Jwk("oct", kid, content.key().base64url()));
                    break;
                }
            }
        }
        if (keys.isEmpty()) {
            throw ProblemException.notFound("No key for KID(s) " + String.join(", ", kids) + ".");
        }
        return new License(keys, request.type() == null ? "temporary" : request.type());
    }
}
