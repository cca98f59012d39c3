package io.vodpack.webhook;

import java.net.URI;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.smallrye.mutiny.Uni;
import io.vodpack.access.Scope;
import io.vodpack.core.error.Problem;
import io.vodpack.webhook.WebhookViews.DeliveryView;
import io.vodpack.webhook.WebhookViews.WebhookRequest;
import io.vodpack.webhook.WebhookViews.WebhookView;

/** The caller's webhooks: signed deliveries of their content's events (docs/events.md). */
@Path("/webhooks")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Webhooks")
@RolesAllowed(Scope.Names.READ)
public class WebhookResource {

    private final WebhookService webhooks;

    public WebhookResource(WebhookService webhooks) {
        this.webhooks = webhooks;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Register an endpoint for events of the caller's content",
            description = "Event types: input_content.ready, packaged_content.done, packaged_content.failed, "
                    + "packaged_content.cancelled. The answer carries the signing secret, shown only now.")
    @APIResponse(responseCode = "201", headers = @Header(name = "Location", description = "/webhooks/{id}"),
            content = @Content(schema = @Schema(implementation = WebhookView.class)))
    @APIResponse(responseCode = "400", description = "Not an http(s) URL, a host that does not resolve or resolves to an internal address, or unknown event types",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> create(WebhookRequest body) {
        return webhooks.create(body).map(created -> Response.created(URI.create("/webhooks/" + created.id()))
                .entity(created).build());
    }

    @GET
    @Operation(summary = "The caller's webhooks (without their secrets)")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(type = SchemaType.ARRAY, implementation = WebhookView.class)))
    public Uni<List<WebhookView>> list() {
        return webhooks.list();
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Remove a webhook; its pending deliveries are dropped")
    @APIResponse(responseCode = "204", description = "Removed")
    @APIResponse(responseCode = "404", description = "No such webhook",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> delete(@PathParam("id") long id) {
        return webhooks.delete(id).replaceWith(Response.noContent().build());
    }

    @GET
    @Path("/{id}/deliveries")
    @Operation(summary = "The webhook's newest deliveries (at most 100), each with every attempt")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(type = SchemaType.ARRAY, implementation = DeliveryView.class)))
    @APIResponse(responseCode = "404", description = "No such webhook",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<List<DeliveryView>> deliveries(@PathParam("id") long id) {
        return webhooks.deliveries(id);
    }
}
