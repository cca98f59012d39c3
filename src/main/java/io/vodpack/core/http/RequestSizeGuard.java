package io.vodpack.core.http;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.error.ProblemMapper;

/**
 * The HTTP body limit has to be as large as the largest upload, but only the two upload endpoints stream
 * their bodies; every other endpoint reads its (JSON) body into memory. On every other route this guard
 * counts the bytes actually received, chunked bodies included, and answers 413 as soon as they pass
 * {@code vodpack.http.max-request-body}; a declared Content-Length over the limit is refused before a byte
 * is read. Routes are matched on the normalised path, so {@code /files/../license} is not an upload path.
 */
@ApplicationScoped
public class RequestSizeGuard {

    private final long limit;

    public RequestSizeGuard(VodpackConfig config) {
        this.limit = config.http().maxRequestBody();
    }

    void install(@Observes Router router) {
        router.route().order(-1000).handler(this::guard);
    }

    /** The two streaming upload endpoints: single request and resumable (tus). */
    static boolean isUploadPath(String normalisedPath) {
        return normalisedPath.equals("/upload_input_content") || normalisedPath.startsWith("/upload_input_content/")
                || normalisedPath.equals("/files") || normalisedPath.startsWith("/files/");
    }

    private void guard(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        if (isUploadPath(ctx.normalizedPath())) {
            ctx.next();
            return;
        }
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        boolean chunked = request.headers().contains(HttpHeaders.TRANSFER_ENCODING, HttpHeaders.CHUNKED, true);
        if (length == null && !chunked) {
            ctx.next();
            return;
        }
        if (length != null && declaredOverLimit(length)) {
            refuse(ctx);
            return;
        }
        // event loop: the body is gathered here, counted chunk by chunk, and handed to the endpoint as read.
        Buffer body = Buffer.buffer();
        request.handler(chunk -> {
            if (ctx.response().ended()) {
                return;
            }
            if (body.length() + (long) chunk.length() > limit) {
                refuse(ctx);
                return;
            }
            body.appendBuffer(chunk);
        });
        request.endHandler(end -> {
            if (!ctx.response().ended()) {
                ctx.setBody(body);
                ctx.next();
            }
        });
    }

    private boolean declaredOverLimit(String length) {
        try {
            return Long.parseLong(length.strip()) > limit;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private void refuse(RoutingContext ctx) {
        ctx.request().pause();
        ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
        ProblemMapper.respond(ctx, ProblemException.payloadTooLarge("request-too-large",
                "This endpoint takes bodies of at most " + limit + " bytes; videos go to /upload_input_content or /files/."));
        ctx.response().endHandler(v -> ctx.request().connection().close());
    }
}
