package io.vodpack.delivery;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;
import io.vodpack.access.playback.PlaybackTokens;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.error.ProblemMapper;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.packaging.ContentRemoved;
import io.vodpack.packaging.PublishedContent;

/**
 * Serves published streams at {@code /content/<job>/...} with a Vert.x static route (byte ranges,
 * sendfile, Last-Modified/304), adding ETag, Cache-Control, media types and CORS. Only the output of
 * DONE jobs is served; any other path is 404. The MPD needs the content's playback token ({@code ?token=});
 * segments are public: they are encrypted, immutable and meant for CDN caches (docs/security.md).
 */
@ApplicationScoped
public class StreamRoutes {

    /** A job id, then relative path segments of safe characters; no "..", no encoded characters. */
    private static final Pattern PATH = Pattern.compile("^/content/([0-9]{1,18})/((?:[A-Za-z0-9_-][A-Za-z0-9_.-]*/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*)$");

    private final ContentStorage storage;
    private final PublishedContent published;
    private final PlaybackTokens tokens;
    private final Map<Long, Boolean> done = new ConcurrentHashMap<>();

    public StreamRoutes(ContentStorage storage, PublishedContent published, PlaybackTokens tokens) {
        this.tokens = tokens;
        this.storage = storage;
        this.published = published;
    }

    void install(@Observes Router router) {
        StaticHandler files = StaticHandler.create(FileSystemAccess.ROOT, storage.packagedDir().toString())
                .setCachingEnabled(true)
                .setDirectoryListing(false)
                .setIncludeHidden(false)
                .setSendVaryHeader(false)
                .setEnableRangeSupport(true)
                .setFilesReadOnly(false);
        router.route("/content/*").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::guard).handler(files);
        router.route("/content/*").handler(ctx -> ProblemMapper.respond(ctx,
                new ProblemException(405, "method-not-allowed", "Method not allowed", "Streams are read with GET or HEAD.")));
    }

    /** Forgets a job that was cancelled or deleted, so that its id is checked again. */
    void onRemoved(@Observes ContentRemoved removed) {
        done.remove(removed.id());
    }

    private void guard(RoutingContext ctx) {
        Matcher m = PATH.matcher(ctx.request().path());
        if (!m.matches() || m.group(2).contains("..")) {
            notFound(ctx);
            return;
        }
        long id = Long.parseLong(m.group(1));
        String relative = m.group(2);
        if (relative.endsWith(".mpd")) {
            try {
                tokens.verify(ctx.request().getParam("token"), id);
            } catch (ProblemException refused) {
                ProblemMapper.respond(ctx, refused);
                return;
            }
        }
        if (done.containsKey(id)) {
            serve(ctx, id, relative);
            return;
        }
        published.isPublished(id).subscribe().with(isPublished -> {
            if (isPublished) {
                done.put(id, Boolean.TRUE);
                serve(ctx, id, relative);
            } else {
                notFound(ctx);
            }
        }, failure -> ProblemMapper.respond(ctx, failure));
    }

    private void serve(RoutingContext ctx, long id, String relative) {
        String file = storage.publishedFolder(id).resolve(relative).toString();
        // lprops: a symbolic link is never followed out of the content folder.
        ctx.vertx().fileSystem().lprops(file).onComplete(result -> {
            if (result.failed() || !result.result().isRegularFile()) {
                notFound(ctx);
                return;
            }
            String etag = "\"" + Long.toHexString(result.result().size()) + "-"
                    + Long.toHexString(result.result().lastModifiedTime()) + "\"";
            String ifNoneMatch = ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH);
            boolean manifest = relative.endsWith(".mpd");
            String cacheControl = manifest ? "public, max-age=10" : "public, max-age=31536000, immutable";
            String contentType = manifest ? "application/dash+xml" : "video/mp4";
            if (ifNoneMatch != null && (ifNoneMatch.equals(etag) || ifNoneMatch.equals("W/" + etag) || ifNoneMatch.equals("*"))) {
                ctx.response().setStatusCode(304).putHeader(HttpHeaders.ETAG, etag)
                        .putHeader(HttpHeaders.CACHE_CONTROL, cacheControl).end();
                return;
            }
            ctx.addHeadersEndHandler(v -> {
                if (ctx.response().getStatusCode() < 300) {
                    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, contentType)
                            .putHeader(HttpHeaders.ETAG, etag)
                            .putHeader(HttpHeaders.CACHE_CONTROL, cacheControl);
                }
            });
            ctx.next();
        });
    }

    private static void notFound(RoutingContext ctx) {
        ProblemMapper.respond(ctx, ProblemException.notFound("No published stream file at this path."));
    }
}
