package io.vodpack.upload;

import java.net.URI;

import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import jakarta.annotation.security.RolesAllowed;
import io.vodpack.access.Scope;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vodpack.core.error.Problem;
import io.vodpack.upload.ingest.ContentTypes;
import io.vodpack.upload.ingest.DigestHeader;
import io.vodpack.upload.ingest.EarlyRejection;
import io.vodpack.upload.ingest.UploadLimits;

/**
 * {@code POST /upload_input_content}: the body (raw or multipart) is streamed to disk, never held in memory.
 * The method takes no entity parameter so that Quarkus REST leaves the body unread for us.
 */
@Path("/upload_input_content")
@RolesAllowed(Scope.Names.UPLOAD)
@Tag(name = "Upload")
public class UploadResource {

    private final UploadService uploads;
    private final UploadLimits limits;

    public UploadResource(UploadService uploads, UploadLimits limits) {
        this.uploads = uploads;
        this.limits = limits;
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Upload an MP4 (H.264 video + AAC audio)",
            description = "Send the file as the raw body (video/mp4 or application/octet-stream, chunked or not) "
                    + "or as multipart/form-data with the file in field 'file'. The SHA-256 is computed while the "
                    + "bytes stream to disk; send Content-Digest or Repr-Digest (sha-256) to have it checked.")
    @RequestBody(required = true, content = {
            @Content(mediaType = "video/mp4", schema = @Schema(type = SchemaType.STRING, format = "binary")),
            @Content(mediaType = "application/octet-stream", schema = @Schema(type = SchemaType.STRING, format = "binary")),
            @Content(mediaType = "multipart/form-data", schema = @Schema(implementation = MultipartUpload.class)) })
    @APIResponse(responseCode = "201", description = "Stored; Location names the new input",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = InputContentView.class)))
    @APIResponse(responseCode = "400", description = "Empty body, no 'file' part, malformed or mismatching digest, or the client aborted",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "413", description = "Larger than vodpack.upload.max-size",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "415", description = "Content-Type not accepted, or the bytes are not an MP4",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "422", description = "An MP4 without exactly one H.264 video and one AAC audio track, or damaged",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "408", description = "The body arrived slower than vodpack.upload.min-transfer-bytes per "
            + "vodpack.upload.min-transfer-window; nothing was stored",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "The instance is receiving vodpack.upload.max-concurrent uploads "
            + "already; see Retry-After",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "507", description = "Free space under the storage root is below the reserve",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> upload(@Context HttpServerRequest request, @BeanParam UploadRequest upload) {
        // Event loop. Hold the body until the file is open. A rejection before the whole body was
        // read closes the connection instead of reading the rest.
        request.pause();
        return EarlyRejection.closeOnRejection(request, () -> receive(request, upload));
    }

    @PUT
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Upload an MP4 with PUT (what curl -T sends)", description = "Same as POST.")
    @RequestBody(required = true, content = {
            @Content(mediaType = "video/mp4", schema = @Schema(type = SchemaType.STRING, format = "binary")),
            @Content(mediaType = "application/octet-stream", schema = @Schema(type = SchemaType.STRING, format = "binary")) })
    @APIResponse(responseCode = "201", description = "Stored; Location names the new input",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = InputContentView.class)))
    @APIResponse(responseCode = "400", description = "As for POST",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "413", description = "As for POST",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "415", description = "As for POST",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "422", description = "As for POST",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "507", description = "As for POST",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> uploadWithPut(@Context HttpServerRequest request, @BeanParam UploadRequest upload) {
        return upload(request, upload);
    }

    private Uni<Response> receive(HttpServerRequest request, UploadRequest upload) {
        String contentType = upload.contentType;
        String type = ContentTypes.mediaType(contentType);
        boolean multipart = type.equals("multipart/form-data");
        if (!multipart && !type.equals("video/mp4") && !type.equals("application/octet-stream")) {
            throw ContentTypes.unsupported(
                    "Send the file as video/mp4, application/octet-stream or multipart/form-data (field 'file'); got '"
                            + (contentType == null ? "no Content-Type" : contentType) + "'.");
        }
        if (upload.contentLength != null && upload.contentLength > limits.maxSize()) {
            throw limits.tooLarge();
        }
        byte[] expected = DigestHeader.sha256("Content-Digest", upload.contentDigest);
        if (expected == null) {
            expected = DigestHeader.sha256("Repr-Digest", upload.reprDigest);
        }
        IncomingUpload incoming = new IncomingUpload(upload.filename, multipart ? "video/mp4" : type, multipart, expected);
        return uploads.receive(request, incoming)
                .map(content -> Response.created(URI.create("/input_content/" + content.id))
                        .entity(InputContentView.of(content)).build());
    }

    /** Shape of the multipart body, for the OpenAPI document. */
    @Schema(name = "MultipartUpload")
    public static class MultipartUpload {
        @Schema(type = SchemaType.STRING, format = "binary", description = "The MP4 file")
        public String file;
    }
}
