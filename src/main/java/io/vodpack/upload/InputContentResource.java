package io.vodpack.upload;

import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
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

import io.smallrye.mutiny.Uni;
import io.vodpack.access.Scope;
import io.vodpack.core.error.Problem;
import io.vodpack.core.error.ProblemException;

/** Metadata, listing and deletion of uploaded inputs. */
@Path("/input_content")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Upload")
public class InputContentResource {

    private final InputContentService inputs;

    public InputContentResource(InputContentService inputs) {
        this.inputs = inputs;
    }

    @GET
    @Path("/{id}")
    @RolesAllowed(Scope.Names.READ)
    @Operation(summary = "Metadata of one uploaded input")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = InputContentView.class)))
    @APIResponse(responseCode = "404", description = "No such input",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<InputContentView> get(@PathParam("id") long id) {
        return inputs.get(id).map(InputContentView::of);
    }

    @GET
    @RolesAllowed(Scope.Names.READ)
    @Operation(summary = "Uploaded inputs, newest first")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(type = SchemaType.ARRAY, implementation = InputContentView.class)))
    @APIResponse(responseCode = "400", description = "page < 0, size outside 1..200, or page × size past the last "
            + "addressable row (2^31 - 1)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<List<InputContentView>> list(@QueryParam("page") @DefaultValue("0") @Min(0) int page,
            @QueryParam("size") @DefaultValue("20") @Min(1) @Max(200) int size) {
        // the row offset page × size is an int in the query: refuse what would wrap instead of answering another page
        if ((long) page * size > Integer.MAX_VALUE) {
            throw ProblemException.badRequest("page-out-of-range", "page × size must stay within " + Integer.MAX_VALUE
                    + "; page " + page + " of size " + size + " is past any list.");
        }
        return inputs.list(page, size).map(list -> list.stream().map(InputContentView::of).toList());
    }

    @DELETE
    @Path("/{id}")
    @RolesAllowed(Scope.Names.DELETE)
    @Operation(summary = "Delete an input (row and file)")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "404", description = "No such input",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "A queued or running packaging job still reads it",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> delete(@PathParam("id") long id) {
        return inputs.delete(id).replaceWith(Response.noContent().build());
    }
}
