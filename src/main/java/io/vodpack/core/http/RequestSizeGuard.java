package io.vodpack.core.http;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.error.ProblemMapper;

/**
 * The HTTP body limit has to be as large as the largest upload, but only the upload endpoints stream their
 * bodies; every other endpoint reads its (JSON) body into memory. This guard refuses a declared body larger
 * than {@code vodpack.http.max-request-body} anywhere else, before it is read.
 */
@ApplicationScoped
public class RequestSizeGuard {

    private final long limit;

    public RequestSizeGuard(VodpackConfig config) {
        this.limit = config.http().maxRequestBody();
    }

    void install(@Observes Router router) {
        router.route().order(-1000).handler(ctx -> {
            String path = ctx.request().path();
            String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length == null || path.startsWith("/upload_input_content") || path.startsWith("/files")) {
                ctx.next();
                return;
            }
            long declared;
            try {
                declared = Long.parseLong(length.strip());
            } catch (NumberFormatException e) {
                ctx.next();
                return;
            }
            if (declared > limit) {
                ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
                ProblemMapper.respond(ctx, new ProblemException(413, "request-too-large", "Payload too large",
                        "This endpoint takes bodies of at most " + limit + " bytes; videos go to /upload_input_content or /files/."));
                return;
            }
            ctx.next();
        });
    }
}
