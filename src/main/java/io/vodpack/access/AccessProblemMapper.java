package io.vodpack.access;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.vodpack.core.error.Problem;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.error.ProblemMapper;

/**
 * Quarkus Security's refusals as problem+json: no or a bad key is 401 with {@code WWW-Authenticate: Bearer},
 * a key without the scope is 403. Quarkus maps these exceptions itself, with no body, unless told otherwise.
 */
public class AccessProblemMapper {

    @ServerExceptionMapper(priority = 1)
    public Response unauthorized(UnauthorizedException failure, UriInfo uri) {
        return respond(new ProblemException(401, "unauthorized", "Unauthorized",
                "This endpoint needs 'Authorization: Bearer <api key>'."), uri);
    }

    @ServerExceptionMapper(priority = 1)
    public Response authenticationFailed(AuthenticationFailedException failure, UriInfo uri) {
        String why = failure.getMessage() == null || failure.getMessage().isBlank() ? "the API key is unknown or revoked"
                : failure.getMessage();
        return respond(new ProblemException(401, "unauthorized", "Unauthorized", "Authentication failed: " + why + "."), uri);
    }

    @ServerExceptionMapper(priority = 1)
    public Response forbidden(ForbiddenException failure, UriInfo uri) {
        return respond(new ProblemException(403, "missing-scope", "Forbidden",
                "The API key does not have the scope this endpoint needs; see docs/security.md for which scope each needs."),
                uri);
    }

    private static Response respond(ProblemException problem, UriInfo uri) {
        Problem body = ProblemMapper.toProblem(problem, uri.getRequestUri().getRawPath());
        Response.ResponseBuilder builder = Response.status(body.status()).type(Problem.MEDIA_TYPE).entity(body);
        if (body.status() == 401) {
            builder.header("WWW-Authenticate", ApiKeyAuthenticationMechanism.CHALLENGE);
        }
        return builder.build();
    }
}
