package io.vodpack.delivery;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;
import io.vodpack.access.playback.PlaybackTokens;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.error.ProblemMapper;
import io.vodpack.core.storage.ContentStore;
import io.vodpack.packaging.ContentRemoved;
import io.vodpack.packaging.PublishedContent;

/**
 * Serves published streams at {@code /content/<job>/...} from the job's live output folder (the one its DONE row
 * names) with a Vert.x static route (byte ranges, sendfile, Last-Modified/304), adding ETag, Cache-Control, media
 * types and CORS; the MPD goes through {@link ManifestRewriter}. Only the output of DONE jobs is served; any other
 * path is 404. With storage kind {@code s3} the files are objects, served by {@link BucketStreams}. The MPD needs the content's playback token ({@code ?token=}); segments are public: they are
 * encrypted, immutable and meant for CDN caches (docs/security.md).
 */
@ApplicationScoped
public class StreamRoutes {

    /** A job id in its one canonical form (no leading zeros), then relative path segments of safe characters; no "..", no encoded characters. */
    private static final Pattern PATH = Pattern.compile("^/content/(0|[1-9][0-9]{0,17})/((?:[A-Za-z0-9_-][A-Za-z0-9_.-]*/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*)$");

    private final ContentStore store;
    private final BucketStreams objects;
    private final PublishedContent published;
    private final ManifestRewriter manifests;
    private final PlaybackTokens tokens;
    /** The live output folder of each DONE job seen; a DONE job's folder never changes. */
    private final Map<Long, String> done = new ConcurrentHashMap<>();

    public StreamRoutes(ContentStore store, BucketStreams objects, PublishedContent published, ManifestRewriter manifests,
            PlaybackTokens tokens) {
        this.tokens = tokens;
        this.store = store;
        this.objects = objects;
        this.published = published;
        this.manifests = manifests;
    }

    void install(@Observes Router router) {
        if (store.publishedRoot().isEmpty()) {
            router.route("/content/*").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::guard);
            router.route("/content/*").handler(ctx -> ProblemMapper.respond(ctx,
                    new ProblemException(405, "method-not-allowed", "Method not allowed", "Streams are read with GET or HEAD.")));
            return;
        }
        StaticHandler files = StaticHandler.create(FileSystemAccess.ROOT, store.publishedRoot().get().toString())
                .setCachingEnabled(true)
                .setDirectoryListing(false)
                .setIncludeHidden(false)
                .setSendVaryHeader(false)
                .setEnableRangeSupport(true)
                .setFilesReadOnly(false);
        // A file the static handler does not find falls through to the 404, never to the 405 below.
        router.route("/content/*").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::guard).handler(files)
                .handler(StreamRoutes::notFound);
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
        String folder = done.get(id);
        if (folder != null) {
            serve(ctx, id, folder, relative);
            return;
        }
        published.outputFolder(id).subscribe().with(live -> {
            if (live.isPresent()) {
                done.put(id, live.get());
                serve(ctx, id, live.get(), relative);
            } else {
                notFound(ctx);
            }
        }, failure -> ProblemMapper.respond(ctx, failure));
    }

    private void serve(RoutingContext ctx, long id, String folder, String relative) {
        if (store.publishedRoot().isEmpty()) {
            serveObject(ctx, id, folder, relative);
            return;
        }
        String file = store.publishedRoot().get().resolve(folder).resolve(relative).toString();
        // lprops: a symbolic link is never followed out of the content folder.
        ctx.vertx().fileSystem().lprops(file).onComplete(result -> {
            if (result.failed() || !result.result().isRegularFile()) {
                notFound(ctx);
                return;
            }
            if (relative.endsWith(".mpd")) {
                serveManifest(ctx, id, file, result.result().lastModifiedTime());
                return;
            }
            String etag = "\"" + Long.toHexString(result.result().size()) + "-"
                    + Long.toHexString(result.result().lastModifiedTime()) + "\"";
            String ifNoneMatch = ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH);
            String cacheControl = "public, max-age=31536000, immutable";
            String contentType = "video/mp4";
            if (matches(ifNoneMatch, etag)) {
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
            // The static handler serves <packaged>/<its "*" path parameter>: point it at the live folder.
            ctx.pathParams().put("*", folder + "/" + relative);
            ctx.next();
        });
    }

    /**
     * The MPD is served with its license URL made absolute for this request (see {@link ManifestRewriter}); its ETag
     * covers the file and that URL.
     */
    private void serveManifest(RoutingContext ctx, long id, String file, long lastModified) {
        ctx.vertx().fileSystem().readFile(file).onComplete(read -> {
            if (read.failed()) {
                notFound(ctx);
                return;
            }
            respondManifest(ctx, id, read.result().getBytes(), Long.toHexString(lastModified));
        });
    }

    /** A published file kept as an object: the MPD is rewritten here, any other file streamed by {@link BucketStreams}. */
    private void serveObject(RoutingContext ctx, long id, String folder, String relative) {
        if (!relative.endsWith(".mpd")) {
            objects.serve(ctx, folder, relative);
            return;
        }
        objects.readWhole(folder, relative).subscribe().with(read -> {
            if (read.isEmpty()) {
                notFound(ctx);
            } else {
                respondManifest(ctx, id, read.get().bytes(), Integer.toHexString(read.get().version().hashCode()));
            }
        }, failure -> ProblemMapper.respond(ctx, ProblemException.serviceUnavailable("storage-unavailable",
                "The stream's storage cannot be read right now; try again.", java.time.Duration.ofSeconds(5))));
    }

    private void respondManifest(RoutingContext ctx, long id, byte[] stored, String version) {
        String licenseUrl = manifests.licenseUrl(ctx.request(), id, ctx.request().getParam("token"));
        byte[] body = manifests.withLicenseUrl(stored, licenseUrl);
        String etag = "\"" + version + "-" + Integer.toHexString(java.util.Arrays.hashCode(body)) + "\"";
        ctx.response().putHeader(HttpHeaders.ETAG, etag).putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=10");
        if (matches(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH), etag)) {
            ctx.response().setStatusCode(304).end();
            return;
        }
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/dash+xml")
                .putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(body.length));
        if (ctx.request().method() == HttpMethod.HEAD) {
            ctx.response().end();
        } else {
            ctx.response().end(Buffer.buffer(body));
        }
    }

    private static boolean matches(String ifNoneMatch, String etag) {
        return ifNoneMatch != null && (ifNoneMatch.equals(etag) || ifNoneMatch.equals("W/" + etag) || ifNoneMatch.equals("*"));
    }

    private static void notFound(RoutingContext ctx) {
        ProblemMapper.respond(ctx, ProblemException.notFound("No published stream file at this path."));
    }
}
