package io.vodpack.core.error;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.quarkus.arc.Arc;
import io.smallrye.mutiny.CompositeException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.vodpack.core.storage.StorageUnavailableException;

/**
 * The one place where failures become RFC 9457 {@code application/problem+json} responses,
 * for Quarkus REST resources and for plain Vert.x routes alike.
 */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);
    /** When a client should try again after the storage could not be reached. */
    private static final Duration STORAGE_RETRY_AFTER = Duration.ofSeconds(10);

    /** Maps a failure to the problem a client sees. */
    public static Problem toProblem(Throwable failure, String instance) {
        Throwable cause = unwrap(failure);
        if (cause instanceof ProblemException p) {
            return new Problem(type(p.slug()), p.title(), p.status(), p.getMessage(), instance, p.extensions());
        }
        if (cause instanceof ConstraintViolationException cve) {
            List<String> violations = cve.getConstraintViolations().stream()
                    .map(v -> lastNode(v.getPropertyPath().toString()) + ": " + v.getMessage())
                    .sorted().toList();
            return new Problem(type("invalid-request"), "Bad request", 400, String.join("; ", violations), instance,
                    Map.of("violations", violations));
        }
        if (cause instanceof JsonProcessingException json) {
            return JsonBodyProblems.of(json, instance);
        }
        if (cause instanceof WebApplicationException wae) {
            int status = wae.getResponse().getStatus();
            if (wae.getCause() instanceof JsonProcessingException json) {
                return toProblem(json, instance);
            }
            Response.Status known = Response.Status.fromStatusCode(status);
            String title = known != null ? known.getReasonPhrase() : "HTTP " + status;
            return new Problem(URI.create("about:blank"), title, status, describe(status, wae), instance, null);
        }
        LOG.errorf(cause, "Unexpected failure serving %s", instance);
        return new Problem(type("internal-error"), "Internal server error", 500,
                "The service failed unexpectedly; the failure was logged.", instance, null);
    }

    @ServerExceptionMapper(priority = 1)
    public Response map(Throwable failure, UriInfo uriInfo) {
        Problem problem = toProblem(failure, uriInfo.getRequestUri().getRawPath());
        Response.ResponseBuilder builder = Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem);
        if (unwrap(failure) instanceof ProblemException p) {
            p.headers().forEach(builder::header);
        }
        if (unwrap(failure) instanceof WebApplicationException wae) {
            // Keep headers such as Allow on 405.
            wae.getResponse().getHeaders().forEach((name, values) -> {
                if (!name.equalsIgnoreCase("Content-Type") && !name.equalsIgnoreCase("Content-Length")) {
                    values.forEach(v -> builder.header(name, v));
                }
            });
        }
        return builder.build();
    }

    /**
     * Jackson's shape errors (an array where an object belongs, a string for a number, a null in a list) reach
     * us unwrapped; Quarkus REST's own mapper for them answers 400 with no problem body, so this one is nearer.
     * Syntax errors arrive wrapped in a WebApplicationException and go through {@link #map}.
     */
    @ServerExceptionMapper(priority = 1)
    public Response mapMismatchedInput(MismatchedInputException failure, UriInfo uriInfo) {
        return map(failure, uriInfo);
    }

    /** Takes precedence over Hibernate Validator's own mapper, which does not speak problem+json. */
    @ServerExceptionMapper(priority = 1)
    public Response mapViolation(io.quarkus.hibernate.validator.runtime.jaxrs.ResteasyReactiveViolationException failure,
            UriInfo uriInfo) {
        return map(failure, uriInfo);
    }

    /** Ends a plain Vert.x route with the problem for {@code failure}. */
    public static void respond(RoutingContext ctx, Throwable failure) {
        if (unwrap(failure) instanceof ProblemException p && !ctx.response().headWritten()) {
            p.headers().forEach(ctx.response()::putHeader);
        }
        respond(ctx.response(), toProblem(failure, ctx.request().path()));
    }

    public static void respond(HttpServerResponse response, Problem problem) {
        if (response.ended() || response.closed()) {
            return;
        }
        try {
            String body = json().writeValueAsString(problem);
            response.setStatusCode(problem.status())
                    .putHeader("Content-Type", Problem.MEDIA_TYPE)
                    .end(body);
        } catch (JsonProcessingException e) {
            response.setStatusCode(500).end();
        }
    }

    /** The application's ObjectMapper; looked up because Vert.x routes call {@link #respond} statically. */
    private static ObjectMapper json() {
        return Arc.container().instance(ObjectMapper.class).get();
    }

    static URI type(String slug) {
        return URI.create("urn:vodpack:problem:" + slug);
    }

    /**
     * The failure as the client sees it: a storage that cannot be reached (wherever in the cause chain) is a 503 that
     * a retry may cure, not an internal error.
     */
    private static Throwable unwrap(Throwable failure) {
        Throwable t = unwrapped(failure);
        if (!(t instanceof ProblemException) && StorageUnavailableException.in(t) != null) {
            return ProblemException.serviceUnavailable("storage-unavailable",
                    "The storage cannot be reached right now; try again later.", STORAGE_RETRY_AFTER);
        }
        return t;
    }

    private static Throwable unwrapped(Throwable failure) {
        Throwable t = failure;
        while (true) {
            if (t instanceof CompositeException ce && !ce.getCauses().isEmpty()) {
                t = ce.getCauses().get(0);
            } else if (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
                t = t.getCause();
            } else {
                return t;
            }
        }
    }

    private static String lastNode(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? path : path.substring(dot + 1);
    }

    private static String describe(int status, WebApplicationException wae) {
        return switch (status) {
            case 404 -> "No resource at this path.";
            case 405 -> "This method is not allowed on this resource.";
            case 406 -> "None of the accepted media types can be produced.";
            case 415 -> "This endpoint does not accept the request's Content-Type.";
            default -> wae.getMessage();
        };
    }

}
