package io.vodpack.packaging;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vodpack.access.Scope;
import io.vodpack.access.playback.PlaybackTokens;
import io.vodpack.core.config.PublicUrls;
import io.vodpack.core.error.Problem;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.error.ProblemMapper;
import io.vodpack.packaging.events.JobState;

/** Packaging jobs: start one, follow it, get the stream URL and keys, cancel or delete it. */
@Path("/packaged_content")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Packaging")
public class PackagingJobResource {

    /** Seconds a client should wait before asking again about an unfinished job. */
    static final int RETRY_AFTER_SECONDS = 1;

    /** Longest wait a request may ask for (?wait=N). */
    static final int MAX_WAIT_SECONDS = 60;

    static final String WAIT_DESCRIPTION = "Seconds (0 to 60) to wait for a change of status or progress before "
            + "answering; the answer comes as soon as one is committed (by any replica). Without it: at once.";

    private final PackagingJobService packaging;
    private final PackagingJobFollower follower;
    private final PublicUrls urls;
    private final PlaybackTokens tokens;

    public PackagingJobResource(PackagingJobService packaging, PackagingJobFollower follower, PublicUrls urls,
            PlaybackTokens tokens) {
        this.follower = follower;
        this.tokens = tokens;
        this.packaging = packaging;
        this.urls = urls;
    }

    @POST
    @RolesAllowed(Scope.Names.PACKAGE)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Start packaging an uploaded input into MPEG-DASH with cbcs ClearKey",
            description = "Answers at once; the job runs in the background. Send Idempotency-Key to make retries safe.")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = PackagingJobRequest.class),
            examples = @ExampleObject(name = "brief", value = "{\"input_content_id\": 1, \"key\": \"hyN9IKGfWKdAwFaE5pm0qg\", \"kid\": \"oW5AK5BW43HzbTSKpiu3SQ\"}")))
    @APIResponse(responseCode = "202", description = "Queued (or, for a repeated Idempotency-Key, the existing job)",
            headers = @Header(name = "Location", description = "/packaged_content/{id}"),
            content = @Content(schema = @Schema(implementation = PackagingJobView.class)))
    @APIResponse(responseCode = "400", description = "Missing input_content_id, key/kid not 16 bytes in an accepted form, or key equal to kid",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No such input",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "The input is being deleted, or the KID is already used with another key",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "422", description = "Idempotency-Key already used with a different body; a ladder of"
            + " which no rung fits the source's picture; a ladder with more renditions than the queue bounds allow",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", description = "No room in the queue, or in the owner's part of it, for the job and"
            + " its renditions (vodpack.packaging.max-queued-jobs, vodpack.security.owner-max-queued-jobs); try again after"
            + " Retry-After seconds",
            headers = @Header(name = "Retry-After"),
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> create(PackagingJobRequest body,
            @Parameter(description = "Makes retries safe: the same key and body return the same job")
            @HeaderParam("Idempotency-Key") String idempotencyKey,
            @Context HttpServerRequest request) {
        String base = urls.base(request);
        return packaging.create(body, idempotencyKey).map(created -> {
            Response.ResponseBuilder response = Response.accepted(PackagingJobView.of(created.job(), base, true, null))
                    .location(URI.create(base + "/packaged_content/" + created.job().id));
            if (created.replayed()) {
                response.header("Idempotent-Replayed", "true");
            }
            return response.build();
        });
    }

    @GET
    @Path("/{id}")
    @RolesAllowed(Scope.Names.READ)
    @Operation(summary = "Status of a job; the stream URL, key and KID once it is DONE",
            description = "With wait=N: answers as soon as the job's status or progress changes (a finished job at once), "
                    + "or after N seconds with its current state.")
    @APIResponse(responseCode = "200", description = "DONE: url (DASH), hls_url (HLS), key, kid",
            content = @Content(schema = @Schema(implementation = PackagingJobView.class)))
    @APIResponse(responseCode = "202", description = "QUEUED or RUNNING, with progress; ask again after Retry-After seconds",
            headers = @Header(name = "Retry-After"),
            content = @Content(schema = @Schema(implementation = PackagingJobView.class)))
    @APIResponse(responseCode = "404", description = "No such job",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "FAILED or CANCELLED; detail says why",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "400", description = "wait not a number of seconds from 0 to 60",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", description = "With wait: this instance holds vodpack.events.max-waiting waiting requests already",
            headers = @Header(name = "Retry-After"),
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> get(@PathParam("id") long id,
            @Parameter(description = WAIT_DESCRIPTION) @QueryParam("wait") String wait,
            @Context HttpServerRequest request) {
        String base = urls.base(request);
        Duration waitFor = parseWait(wait);
        Uni<PackagingJob> job = waitFor == null ? packaging.get(id) : follower.whenChanged(id, waitFor);
        return job.map(found -> switch (found.status) {
            case DONE -> Response.ok(doneView(found, base)).build();
            case QUEUED, RUNNING -> Response.accepted(PackagingJobView.of(found, base, false, null))
                    .header("Retry-After", RETRY_AFTER_SECONDS).build();
            case FAILED, CANCELLED -> throw finishedProblem(found);
        });
    }

    private PackagingJobView doneView(PackagingJob job, String base) {
        return PackagingJobView.of(job, base, true, tokens.mint(job.id, null));
    }

    /** The problem a FAILED or CANCELLED job answers with (409), on its GET and as its last stream event. */
    static ProblemException finishedProblem(PackagingJob job) {
        return new ProblemException(409, "packaging-" + job.status.name().toLowerCase(),
                job.status == PackagingJob.Status.FAILED ? "Packaging failed" : "Packaging cancelled",
                "Job " + job.id + " is " + job.status + ": " + (job.errorDetail == null ? "no reason recorded" : job.errorDetail),
                Map.of("packaged_content_id", job.id, "status", job.status.name(), "attempts", job.attempts));
    }

    @GET
    @Path("/{id}/events")
    @RolesAllowed(Scope.Names.READ)
    @ExistingJob
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "The job's status and progress as Server-Sent Events, until it is finished",
            description = "Events: status (data: the job as in GET while QUEUED or RUNNING), progress (the same, when only "
                    + "progress changed), then one of done (data: the same body as GET of a DONE job), failed or cancelled "
                    + "(data: the problem GET answers with); the stream ends after it. Each event's id is <status>-<progress>: "
                    + "reconnect with Last-Event-ID to get only what came after it. Needs the API key in the Authorization "
                    + "header, so browsers use long polling (GET ?wait=) instead of EventSource.")
    @APIResponse(responseCode = "200", description = "text/event-stream of status, progress and done/failed/cancelled events")
    @APIResponse(responseCode = "404", description = "No such job",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", description = "This instance holds vodpack.events.max-waiting waiting requests already",
            headers = @Header(name = "Retry-After"),
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Multi<OutboundSseEvent> events(@PathParam("id") long id,
            @Parameter(description = "The id of the last event received: only later events are sent")
            @HeaderParam("Last-Event-ID") String lastEventId,
            @Context Sse sse, @Context HttpServerRequest request) {
        String base = urls.base(request);
        String instance = request.path();
        return follower.changes(id, JobState.ofEventId(lastEventId)).map(change -> {
            PackagingJob job = change.job();
            JobState state = PackagingJobFollower.stateOf(job);
            OutboundSseEvent.Builder event = sse.newEventBuilder().id(state.eventId())
                    .mediaType(MediaType.APPLICATION_JSON_TYPE);
            return switch (job.status) {
                case DONE -> event.name("done").data(doneView(job, base)).build();
                case FAILED, CANCELLED -> event.name(job.status == PackagingJob.Status.FAILED ? "failed" : "cancelled")
                        .data(ProblemMapper.toProblem(finishedProblem(job), instance)).build();
                case QUEUED, RUNNING -> event.name(change.onlyProgress() ? "progress" : "status")
                        .data(PackagingJobView.of(job, base, false, null)).build();
            };
        });
    }

    @GET
    @RolesAllowed(Scope.Names.READ)
    @Operation(summary = "Jobs, newest first, optionally only those with one status",
            description = "With wait=N: answers as soon as the page differs (a job on it changed status or progress, or one "
                    + "came or left), or after N seconds.")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(type = SchemaType.ARRAY, implementation = PackagingJobView.class)))
    @APIResponse(responseCode = "400", description = "Unknown status, bad paging, or wait not a number of seconds from 0 to 60",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", description = "With wait: this instance holds vodpack.events.max-waiting waiting requests already",
            headers = @Header(name = "Retry-After"),
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<List<PackagingJobView>> list(
            @Parameter(description = "QUEUED, RUNNING, DONE, FAILED or CANCELLED") @QueryParam("status") String status,
            @QueryParam("page") @DefaultValue("0") @Min(0) int page,
            @QueryParam("size") @DefaultValue("20") @Min(1) @Max(200) int size,
            @Parameter(description = WAIT_DESCRIPTION) @QueryParam("wait") String wait,
            @Context HttpServerRequest request) {
        PackagingJob.Status filter = parseStatus(status);
        if ((long) page * size > Integer.MAX_VALUE) {
            throw ProblemException.badRequest("invalid-page", "page × size must stay below " + Integer.MAX_VALUE
                    + "; got page " + page + " with size " + size + ".");
        }
        Duration waitFor = parseWait(wait);
        String base = urls.base(request);
        Uni<List<PackagingJob>> jobs = waitFor == null ? packaging.list(filter, page, size)
                : follower.listWhenChanged(filter, page, size, waitFor);
        return jobs.map(found -> found.stream().map(job -> PackagingJobView.of(job, base, false,
                job.status == PackagingJob.Status.DONE ? tokens.mint(job.id, null) : null)).toList());
    }

    @DELETE
    @Path("/{id}")
    @RolesAllowed(Scope.Names.DELETE)
    @Operation(summary = "Cancel a queued or running job (its engine is killed), or delete a finished one and its output")
    @APIResponse(responseCode = "202", description = "Cancelled; the job stays, with status CANCELLED",
            content = @Content(schema = @Schema(implementation = PackagingJobView.class)))
    @APIResponse(responseCode = "204", description = "Finished job and its output deleted")
    @APIResponse(responseCode = "404", description = "No such job",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> delete(@PathParam("id") long id, @Context HttpServerRequest request) {
        String base = urls.base(request);
        return packaging.cancelOrDelete(id).map(removal -> removal.cancelled()
                ? Response.accepted(PackagingJobView.of(removal.job(), base, false, null)).build()
                : Response.noContent().build());
    }

    /** Body of POST /packaged_content/{id}/playback_tokens; every field optional. */
    @RegisterForReflection
    public record PlaybackTokenRequest(@Schema(example = "3600") Long ttlSeconds) {
    }

    /** A playback token and the URLs that carry it. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PlaybackTokenView(String token, Instant expiresAt, String url, String hlsUrl, String playerUrl,
            String licenseUrl) {
    }

    @POST
    @Path("/{id}/playback_tokens")
    @RolesAllowed(Scope.Names.READ)
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Mint a short-lived playback token for a DONE job, for viewers who hold no API key",
            description = "The token opens the MPD, the license and the player of this content only, until it expires "
                    + "(default vodpack.security.playback.token-ttl, at most max-token-ttl).")
    @APIResponse(responseCode = "201", content = @Content(schema = @Schema(implementation = PlaybackTokenView.class)))
    @APIResponse(responseCode = "400", description = "ttl_seconds out of range",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No such job",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "The job is not DONE",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> playbackToken(@PathParam("id") long id, PlaybackTokenRequest body,
            @Context HttpServerRequest request) {
        Duration ttl = body == null || body.ttlSeconds() == null ? null : Duration.ofSeconds(body.ttlSeconds());
        String base = urls.base(request);
        return packaging.get(id).map(job -> {
            if (job.status != PackagingJob.Status.DONE) {
                throw ProblemException.conflict("not-done", "Job " + id + " is " + job.status
                        + "; playback tokens are for DONE content.");
            }
            PlaybackTokens.Minted minted = tokens.mint(id, ttl);
            PackagingJobView view = PackagingJobView.of(job, base, false, minted);
            return Response.status(201).entity(new PlaybackTokenView(minted.token(), minted.expiresAt(), view.url(),
                    view.hlsUrl(), view.playerUrl(), view.licenseUrl())).build();
        });
    }

    /** The wait a request asks for, or null for none; 400 outside 0..{@value #MAX_WAIT_SECONDS} seconds. */
    static Duration parseWait(String wait) {
        if (wait == null) {
            return null;
        }
        try {
            int seconds = Integer.parseInt(wait.strip());
            if (seconds >= 0 && seconds <= MAX_WAIT_SECONDS) {
                return Duration.ofSeconds(seconds);
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ProblemException.badRequest("invalid-wait",
                "wait must be a whole number of seconds from 0 to " + MAX_WAIT_SECONDS + "; got '" + wait + "'.");
    }

    private static PackagingJob.Status parseStatus(String status) {
        if (status == null || status.isBlank()) {
            return null;
        }
        try {
            return PackagingJob.Status.valueOf(status.strip().toUpperCase());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("invalid-status",
                    "status must be one of QUEUED, RUNNING, DONE, FAILED, CANCELLED; got '" + status + "'.");
        }
    }
}
