package io.vodpack.upload.resumable;

import java.net.URI;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.OPTIONS;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import io.vodpack.access.Scope;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vodpack.core.config.PublicUrls;
import io.vodpack.core.error.Problem;
import io.vodpack.core.error.ProblemException;
import io.vodpack.upload.ingest.ContentTypes;
import io.vodpack.upload.ingest.EarlyRejection;
import io.vodpack.upload.ingest.UploadLimits;

/**
 * Resumable uploads, spoken as the tus 1.0.0 protocol (core, creation, creation-with-upload, termination,
 * checksum, expiration) at {@code /files/}. A finished upload becomes an input like any other.
 */
@Path("/files")
@Tag(name = "Resumable upload (tus 1.0)")
public class ResumableUploadResource {

    static final String VERSION = "1.0.0";
    static final String EXTENSIONS = "creation,creation-with-upload,termination,checksum,expiration";
    static final String OFFSET_OCTET_STREAM = "application/offset+octet-stream";

    private final ResumableUploadService uploads;
    private final ResumableUploadRemoval removal;
    private final UploadLimits limits;
    private final PublicUrls urls;

    public ResumableUploadResource(ResumableUploadService uploads, ResumableUploadRemoval removal, UploadLimits limits,
            PublicUrls urls) {
        this.uploads = uploads;
        this.removal = removal;
        this.limits = limits;
        this.urls = urls;
    }

    /** Every answer under /files carries Tus-Resumable, errors included. */
    @ServerResponseFilter
    public void tusHeaders(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getUriInfo().getPath().startsWith("/files")) {
            response.getHeaders().putSingle("Tus-Resumable", VERSION);
            response.getHeaders().putSingle("Cache-Control", "no-store");
            if (response.getStatus() == 412) {
                response.getHeaders().putSingle("Tus-Version", VERSION);
            }
        }
    }

    @OPTIONS
    @PermitAll
    @Operation(summary = "tus discovery: versions, extensions, limits")
    @APIResponse(responseCode = "204", description = "Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm")
    public Response options() {
        return Response.noContent().header("Tus-Version", VERSION).header("Tus-Extension", EXTENSIONS)
                .header("Tus-Max-Size", limits.maxSize()).header("Tus-Checksum-Algorithm", ChunkChecksum.ALGORITHMS).build();
    }

    @POST
    @RolesAllowed(Scope.Names.UPLOAD)
    @Operation(summary = "Create a resumable upload (optionally with its first bytes)")
    @APIResponse(responseCode = "201", description = "Created; Location is the upload URL")
    @APIResponse(responseCode = "400", description = "Missing Upload-Length, Upload-Defer-Length, bad metadata (a filename "
            + "over 255 characters or with control characters, a filetype over 128)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "408", description = "creation-with-upload: the body arrived below the minimum rate",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "412", description = "Tus-Resumable is not 1.0.0")
    @APIResponse(responseCode = "413", description = "Upload-Length over the limit",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "415", description = "creation-with-upload of a whole file that is not an MP4 "
            + "(Location names the upload, now FAILED)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "422", description = "creation-with-upload of a whole MP4 without one H.264 and one AAC track",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "The instance is receiving vodpack.upload.max-concurrent uploads; "
            + "see Retry-After",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "507", description = "Not enough free space for this upload",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> create(@Context HttpServerRequest request, @BeanParam TusHeaders.Creation headers) {
        request.pause();
        return EarlyRejection.closeOnRejection(request, () -> {
            requireVersion(headers.resumable);
            if (headers.deferLength != null) {
                throw ProblemException.badRequest("defer-length", "Upload-Defer-Length is not supported: send Upload-Length.");
            }
            long total = parseLong("Upload-Length", headers.length);
            boolean withBody = isOffsetOctetStream(headers.contentType);
            ChunkChecksum chunk = withBody ? ChunkChecksum.parse(headers.checksum) : null;
            String base = urls.base(request);
            return uploads.create(total, headers.metadata).flatMap(upload -> {
                URI location = URI.create(base + "/files/" + upload.id);
                if (!withBody) {
                    request.resume();
                    return Uni.createFrom().item(created(location, upload.offset, upload).build());
                }
                // creation-with-upload: a body that completes the upload answers as its last PATCH would, with the
                // validation problem when the file is refused; the upload URL comes with the problem too
                return uploads.patch(request, upload.id, 0, chunk)
                        .onFailure(ProblemException.class).invoke(failure -> ((ProblemException) failure)
                                .withHeader("Location", location.toString()))
                        .map(patched -> {
                            if (patched.failure() != null) {
                                throw patched.failure().withHeader("Location", location.toString());
                            }
                            return created(location, patched.upload().offset, patched.upload()).build();
                        });
            });
        });
    }

    @HEAD
    @RolesAllowed(Scope.Names.UPLOAD)
    @Path("/{id}")
    @Operation(summary = "The offset to resume from")
    @APIResponse(responseCode = "200", description = "Upload-Offset, Upload-Length, Upload-Metadata, Upload-Expires; "
            + "Upload-Input-Content-Id once the upload became an input")
    @APIResponse(responseCode = "404", description = "Unknown, terminated or expired")
    public Uni<Response> head(@PathParam("id") String id, @HeaderParam("Tus-Resumable") String resumable) {
        requireVersion(resumable);
        return uploads.get(id).map(upload -> {
            Response.ResponseBuilder r = Response.ok().header("Upload-Offset", upload.offset)
                    .header("Upload-Length", upload.length).header("Upload-Expires", httpDate(upload))
                    .header("Upload-Status", upload.status.name());
            if (upload.metadata != null) {
                r.header("Upload-Metadata", upload.metadata);
            }
            if (upload.inputContentId != null) {
                r.header("Upload-Input-Content-Id", upload.inputContentId);
            }
            return r.build();
        });
    }

    @GET
    @RolesAllowed(Scope.Names.UPLOAD)
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Status of a resumable upload, with the input it became or the validation error")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = ResumableUploadView.class)))
    @APIResponse(responseCode = "404", description = "Unknown, terminated or expired",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<ResumableUploadView> status(@PathParam("id") String id) {
        return uploads.get(id).map(ResumableUploadView::of);
    }

    @PATCH
    @RolesAllowed(Scope.Names.UPLOAD)
    @Path("/{id}")
    @Operation(summary = "Append bytes at Upload-Offset (Content-Type application/offset+octet-stream)")
    @APIResponse(responseCode = "204", description = "Stored; Upload-Offset is the new offset. When it reaches Upload-Length "
            + "the file is validated and Upload-Input-Content-Id names the new input")
    @APIResponse(responseCode = "400", description = "Missing Upload-Offset or malformed Upload-Checksum",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "Unknown, terminated or expired",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "Upload-Offset is not the server's offset",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "415", description = "Wrong Content-Type, or the finished file is not an MP4",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "422", description = "The finished file is not one H.264 + one AAC track",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "423", description = "Another request is writing to this upload",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "460", description = "The chunk does not match Upload-Checksum; nothing was written",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "408", description = "The body arrived below the minimum rate; the bytes that arrived are kept",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "Too many uploads at once (Retry-After), or all bytes arrived but "
            + "recording the input failed: PATCH again at Upload-Offset = Upload-Length with an empty body",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> patch(@Context HttpServerRequest request, @PathParam("id") String id,
            @BeanParam TusHeaders.Chunk headers) {
        request.pause();
        return EarlyRejection.closeOnRejection(request, () -> {
            requireVersion(headers.resumable);
            if (!isOffsetOctetStream(headers.contentType)) {
                throw ContentTypes.unsupported("PATCH bodies must be sent as " + OFFSET_OCTET_STREAM + ".");
            }
            long at = parseLong("Upload-Offset", headers.offset);
            ChunkChecksum chunk = ChunkChecksum.parse(headers.checksum);
            return uploads.patch(request, id, at, chunk).map(patched -> {
                if (patched.failure() != null) {
                    throw patched.failure();
                }
                ResumableUpload upload = patched.upload();
                Response.ResponseBuilder r = Response.noContent().header("Upload-Offset", upload.offset)
                        .header("Upload-Expires", httpDate(upload));
                if (upload.inputContentId != null) {
                    r.header("Upload-Input-Content-Id", upload.inputContentId)
                            .header("Link", "</input_content/" + upload.inputContentId + ">; rel=\"input-content\"");
                }
                return r.build();
            });
        });
    }

    /** For clients that cannot send PATCH (Java's HttpURLConnection): POST with X-HTTP-Method-Override. */
    @POST
    @RolesAllowed(Scope.Names.UPLOAD)
    @Path("/{id}")
    @Operation(summary = "PATCH for clients that cannot send it: POST with X-HTTP-Method-Override: PATCH")
    @APIResponse(responseCode = "204", description = "As for PATCH")
    @APIResponse(responseCode = "405", description = "Without X-HTTP-Method-Override: PATCH",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> patchOverride(@Context HttpServerRequest request, @PathParam("id") String id,
            @HeaderParam("X-HTTP-Method-Override") String override, @BeanParam TusHeaders.Chunk headers) {
        if (!"PATCH".equalsIgnoreCase(override)) {
            EarlyRejection.closeIfUnread(request);
            throw ProblemException.methodNotAllowed("An upload URL takes HEAD, GET, PATCH and DELETE (or POST with X-HTTP-Method-Override: PATCH).");
        }
        return patch(request, id, headers);
    }

    @DELETE
    @RolesAllowed(Scope.Names.UPLOAD)
    @Path("/{id}")
    @Operation(summary = "Terminate a resumable upload: its bytes are deleted")
    @APIResponse(responseCode = "204", description = "Terminated")
    @APIResponse(responseCode = "404", description = "Unknown",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> terminate(@PathParam("id") String id, @HeaderParam("Tus-Resumable") String resumable) {
        requireVersion(resumable);
        return uploads.get(id).flatMap(owned -> removal.terminate(id)).replaceWith(Response.noContent().build());
    }

    private static Response.ResponseBuilder created(URI location, long offset, ResumableUpload upload) {
        return Response.created(location).header("Upload-Offset", offset).header("Upload-Expires", httpDate(upload));
    }

    private static boolean isOffsetOctetStream(String contentType) {
        return ContentTypes.mediaType(contentType).equals(OFFSET_OCTET_STREAM);
    }

    private static void requireVersion(String resumable) {
        if (!VERSION.equals(resumable)) {
            throw ProblemException.preconditionFailed("tus-version",
                    "Send Tus-Resumable: " + VERSION + " (the only tus version this server speaks).",
                    Map.of("tus_version", VERSION));
        }
    }

    private static long parseLong(String header, String value) {
        try {
            long v = Long.parseLong(value == null ? "" : value.strip());
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("invalid-" + header.toLowerCase(), header + " must be a non-negative integer.");
        }
    }

    private static String httpDate(ResumableUpload upload) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(upload.expiresAt.atZoneSameInstant(ZoneOffset.UTC));
    }
}
