package io.vodpack.delivery;

import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vodpack.access.playback.PlaybackTokens;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.error.ProblemMapper;
import io.vodpack.core.storage.ContentStore;
import io.vodpack.packaging.ContentRemoved;
import io.vodpack.packaging.PublishedContent;
import io.vodpack.packaging.events.JobEvents;

/**
 * Serves published streams at {@code /content/<job>/...} from the job's live output folder (the one its DONE row
 * names) with a Vert.x route: segments are sent with sendfile by {@link SegmentResponses} (byte ranges, ETag and
 * Last-Modified with 304, immutable caching, media type; CORS comes from the HTTP layer), the MPD goes through
 * {@link ManifestRewriter}, the HLS playlists through {@link PlaylistRewriter}.
 * Only the output of DONE jobs is served; any other path is 404. The MPD and the playlists need the content's playback
 * token ({@code ?token=}); segments are public: they are encrypted, immutable and meant for CDN caches
 * (docs/security.md). With storage kind {@code s3} the files are objects, served by {@link BucketStreams}.
 */
@ApplicationScoped
public class StreamRoutes {

    /** The longest path the route looks at (published files are a few segments deep: video/1080p/seg_123.m4s). */
    static final int MAX_PATH = 512;

    /** A job id in its one canonical form (no leading zeros), then relative path segments of safe characters; no "..", no encoded characters. */
    private static final Pattern PATH = Pattern.compile("^/content/(0|[1-9][0-9]{0,17})/((?:[A-Za-z0-9_-][A-Za-z0-9_.-]*/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*)$");

    private final ContentStore store;
    private final BucketStreams objects;
    private final PublishedContent published;
    private final ManifestRewriter manifests;
    private final PlaylistRewriter playlists;
    private final PlaybackTokens tokens;
    private final SegmentCache cache;
    /** How many DONE jobs' folders are remembered; a job beyond that is looked up in the database again. */
    static final int REMEMBERED_JOBS = 10_000;

    /**
     * The live output folder of the DONE jobs served lately (least recently served forgotten first, so that memory stays
     * flat however many streams an instance serves); a DONE job's folder never changes.
     */
    private final Map<Long, String> done = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, String> eldest) {
            return size() > REMEMBERED_JOBS;
        }
    });
    /** What a published file's answers need: its size and validators. A published file never changes. */
    private record FileFacts(long size, String etag, Instant lastModified) {
    }

    /**
     * The facts of the published segments served lately (storage kind filesystem), so that a segment request costs no
     * file system call before its sendfile; the least recently served are forgotten first.
     */
    private final Map<String, FileFacts> files = Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, FileFacts> eldest) {
            return size() > REMEMBERED_FILES;
        }
    });

    /** How many published files' facts are remembered. */
    static final int REMEMBERED_FILES = 50_000;

    /**
     * Moves on every removal: a folder read from the database before a removal that came during the read is used for
     * that one request, not remembered in {@link #done} (it may belong to the job just deleted).
     */
    private final AtomicLong deletions = new AtomicLong();

    public StreamRoutes(ContentStore store, BucketStreams objects, PublishedContent published, ManifestRewriter manifests,
            PlaylistRewriter playlists, PlaybackTokens tokens, SegmentCache cache, JobEvents events) {
        this.cache = cache;
        // Any replica may delete a job: each one forgets what it serves of it at the commit (or all, if it may have missed one).
        events.onDeleted(this::forget, () -> {
            deletions.incrementAndGet();
            cache.clear();
            files.clear();
            done.clear();
        });
        this.tokens = tokens;
        this.playlists = playlists;
        this.store = store;
        this.objects = objects;
        this.published = published;
        this.manifests = manifests;
    }

    void install(@Observes Router router) {
        router.route("/content/*").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::guard);
        router.route("/content/*").handler(ctx -> ProblemMapper.respond(ctx,
                new ProblemException(405, "method-not-allowed", "Method not allowed", "Streams are read with GET or HEAD.")));
    }

    /** Forgets a job that was cancelled or deleted here, so that its id is checked again. */
    void onRemoved(@Observes ContentRemoved removed) {
        forget(removed.id(), null);
    }

    /** Forgets a removed job and what is kept of its {@code outputFolder} (null: the one this instance remembers). */
    private void forget(long id, String outputFolder) {
        deletions.incrementAndGet();
        String folder = outputFolder != null ? outputFolder : done.get(id);
        if (folder != null) {
            cache.forget(folder);
            forgetFiles(folder);
        }
        done.remove(id);
    }

    private void forgetFiles(String folder) {
        if (store.publishedRoot().isEmpty()) {
            return;
        }
        String under = store.publishedRoot().get().resolve(folder) + "/";
        synchronized (files) {
            files.keySet().removeIf(file -> file.startsWith(under));
        }
    }

    private void guard(RoutingContext ctx) {
        String path = ctx.request().path();
        // Longer than any published file's path: refused before the pattern, whose repetition recurses per segment.
        if (path.length() > MAX_PATH) {
            notFound(ctx);
            return;
        }
        Matcher m = PATH.matcher(path);
        if (!m.matches() || m.group(2).contains("..")) {
            notFound(ctx);
            return;
        }
        long id = Long.parseLong(m.group(1));
        String relative = m.group(2);
        if (needsToken(relative)) {
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
        long seen = deletions.get();
        published.outputFolder(id).subscribe().with(live -> {
            if (live.isPresent()) {
                if (deletions.get() == seen) {
                    done.put(id, live.get());
                    if (deletions.get() != seen) {
                        done.remove(id, live.get());
                    }
                }
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
        FileFacts known = needsToken(relative) ? null : files.get(file);
        if (known != null) {
            sendSegment(ctx, file, known);
            return;
        }
        // lprops: a symbolic link is never followed out of the content folder.
        ctx.vertx().fileSystem().lprops(file).onComplete(result -> {
            if (result.failed() || !result.result().isRegularFile()) {
                notFound(ctx);
                return;
            }
            String token = ctx.request().getParam("token");
            if (relative.endsWith(".mpd")) {
                String licenseUrl = manifests.licenseUrl(ctx.request(), id, token);
                serveRewritten(ctx, file, result.result().lastModifiedTime(), "application/dash+xml",
                        mpd -> manifests.withLicenseUrl(mpd, licenseUrl));
                return;
            }
            if (relative.endsWith(".m3u8")) {
                String playlistUrl = playlists.playlistUrl(ctx.request());
                String keyUrl = playlists.keyUrl(ctx.request(), id);
                serveRewritten(ctx, file, result.result().lastModifiedTime(), "application/vnd.apple.mpegurl",
                        playlist -> playlists.withToken(playlist, playlistUrl, keyUrl, token));
                return;
            }
            String etag = "\"" + Long.toHexString(result.result().size()) + "-"
                    + Long.toHexString(result.result().lastModifiedTime()) + "\"";
            FileFacts facts = new FileFacts(result.result().size(), etag,
                    Instant.ofEpochMilli(result.result().lastModifiedTime()));
            files.put(file, facts);
            sendSegment(ctx, file, facts);
        });
    }

    /** A published segment or init segment, sent with sendfile; a file gone meanwhile is 404. */
    private void sendSegment(RoutingContext ctx, String file, FileFacts facts) {
        SegmentResponses.sendFile(ctx, file, facts.size(), facts.etag(), facts.lastModified(), () -> {
            files.remove(file);
            notFound(ctx);
        });
    }

    /** The MPD and the HLS playlists: what opens the stream needs a playback token, and carries it on. */
    private static boolean needsToken(String relative) {
        return relative.endsWith(".mpd") || relative.endsWith(".m3u8");
    }

    /**
     * The MPD and the HLS playlists are served as {@code rewrite} makes them for this request (license and key URLs
     * made absolute, the request's token carried on; see {@link ManifestRewriter}, {@link PlaylistRewriter}); the
     * ETag covers the file and what was written into it.
     */
    private void serveRewritten(RoutingContext ctx, String file, long lastModified, String contentType,
            UnaryOperator<byte[]> rewrite) {
        ctx.vertx().fileSystem().readFile(file).onComplete(read -> {
            if (read.failed()) {
                notFound(ctx);
                return;
            }
            respondRewritten(ctx, read.result().getBytes(), Long.toHexString(lastModified), contentType, rewrite);
        });
    }

    /** A published file kept as an object: the MPD and playlists are rewritten here, the rest streamed by {@link BucketStreams}. */
    private void serveObject(RoutingContext ctx, long id, String folder, String relative) {
        if (!needsToken(relative)) {
            objects.serve(ctx, folder, relative);
            return;
        }
        String token = ctx.request().getParam("token");
        String contentType;
        UnaryOperator<byte[]> rewrite;
        if (relative.endsWith(".mpd")) {
            String licenseUrl = manifests.licenseUrl(ctx.request(), id, token);
            contentType = "application/dash+xml";
            rewrite = mpd -> manifests.withLicenseUrl(mpd, licenseUrl);
        } else {
            String playlistUrl = playlists.playlistUrl(ctx.request());
            String keyUrl = playlists.keyUrl(ctx.request(), id);
            contentType = "application/vnd.apple.mpegurl";
            rewrite = playlist -> playlists.withToken(playlist, playlistUrl, keyUrl, token);
        }
        objects.readWhole(folder, relative).subscribe().with(read -> {
            if (read.isEmpty()) {
                notFound(ctx);
            } else {
                respondRewritten(ctx, read.get().bytes(), Integer.toHexString(read.get().version().hashCode()), contentType,
                        rewrite);
            }
        }, failure -> ProblemMapper.respond(ctx, ProblemException.serviceUnavailable("storage-unavailable",
                "The stream's storage cannot be read right now; try again.", java.time.Duration.ofSeconds(5))));
    }

    private void respondRewritten(RoutingContext ctx, byte[] stored, String version, String contentType,
            UnaryOperator<byte[]> rewrite) {
        byte[] body = rewrite.apply(stored);
        String etag = "\"" + version + "-" + Integer.toHexString(Arrays.hashCode(body)) + "\"";
        ctx.response().putHeader(HttpHeaders.ETAG, etag).putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=10");
        if (SegmentResponses.matches(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH), etag)) {
            ctx.response().setStatusCode(304).end();
            return;
        }
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, contentType)
                .putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(body.length));
        if (ctx.request().method() == HttpMethod.HEAD) {
            ctx.response().end();
        } else {
            ctx.response().end(Buffer.buffer(body));
        }
    }

    private static void notFound(RoutingContext ctx) {
        ProblemMapper.respond(ctx, ProblemException.notFound("No published stream file at this path."));
    }
}
