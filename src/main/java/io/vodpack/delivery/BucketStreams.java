package io.vodpack.delivery;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import io.netty.buffer.Unpooled;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.error.ProblemMapper;
import io.vodpack.core.storage.ContentStore;

/**
 * Serves the files of published streams kept as objects (storage kind {@code s3}) with the behaviour of the static
 * file route: byte ranges, ETag and Last-Modified with 304, immutable caching. The bytes are streamed from the bucket
 * with back-pressure (memory per request: a few network buffers), or, with {@code vodpack.delivery.redirect}, a
 * segment request is answered with a 302 to a short-lived presigned URL. Runs on the event loop.
 */
@ApplicationScoped
class BucketStreams {

    static final String SEGMENT_CACHE = "public, max-age=31536000, immutable";

    /** One byte range: {@code bytes=first-last}, {@code bytes=first-} or {@code bytes=-suffix}. */
    private static final Pattern SINGLE_RANGE = Pattern.compile("bytes=(?:[0-9]{1,18}-[0-9]{0,18}|-[0-9]{1,18})");

    private final ContentStore store;
    private final SegmentCache cache;
    private final boolean redirect;

    BucketStreams(ContentStore store, SegmentCache cache, VodpackConfig config) {
        this.store = store;
        this.cache = cache;
        this.redirect = config.delivery().redirect();
    }

    /** The bytes of a small object (an MPD) and its version, empty when it is missing; answered on the caller's context. */
    Uni<Optional<Versioned>> readWhole(String folder, String relative) {
        Executor requestContext = onThisContext();
        return store.read(folder, relative, ContentStore.ObjectRequest.whole()).flatMap(read -> {
            if (read.status() == 404) {
                return Uni.createFrom().item(Optional.<Versioned>empty());
            }
            return Uni.createFrom().completionStage(() -> {
                var whole = new CompletableFuture<byte[]>();
                read.body().subscribe(new Collector(whole));
                return whole;
            }).map(bytes -> Optional.of(new Versioned(bytes, read.etag())));
        }).emitOn(requestContext);
    }

    record Versioned(byte[] bytes, String version) {
    }

    /**
     * Answers a GET or HEAD of one segment or init segment of a DONE job's live folder. Most requests cost the bucket one
     * request, which carries the client's Range and entity tag: the S3 server answers 304 and 416 itself. Validators S3
     * servers do not evaluate alike (a date, {@code *}) and the redirect are answered from a HEAD first. A segment this
     * replica keeps ({@link SegmentCache}) costs the bucket nothing: it is sent from its file.
     */
    void serve(RoutingContext ctx, String folder, String relative) {
        Optional<SegmentCache.Entry> kept = cache.get(folder, relative);
        if (kept.isPresent()) {
            serveKept(ctx, folder, relative, kept.get());
            return;
        }
        String ifNoneMatch = ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH);
        boolean byDate = ifNoneMatch == null && ctx.request().getHeader(HttpHeaders.IF_MODIFIED_SINCE) != null;
        if (redirect || byDate || "*".equals(ifNoneMatch)) {
            serveAfterHead(ctx, folder, relative);
            return;
        }
        read(ctx, folder, relative, strong(ifNoneMatch));
    }

    private void serveAfterHead(RoutingContext ctx, String folder, String relative) {
        store.stat(folder, relative).emitOn(onThisContext()).subscribe().with(stat -> {
            if (stat.isEmpty()) {
                notFound(ctx);
                return;
            }
            ContentStore.StoredObject object = stat.get();
            if (notModified(ctx, object)) {
                validators(ctx.response(), object.etag(), object.lastModified()).setStatusCode(304).end();
                return;
            }
            if (redirect) {
                ctx.response().setStatusCode(302).putHeader(HttpHeaders.LOCATION, store.presign(folder, relative))
                        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store").end();
                return;
            }
            read(ctx, folder, relative, null);
        }, failure -> unavailable(ctx));
    }

    private void read(RoutingContext ctx, String folder, String relative, String ifNoneMatch) {
        boolean head = ctx.request().method() == HttpMethod.HEAD;
        String range = head ? null : singleRange(ctx.request().getHeader("Range"));
        Context context = Vertx.currentContext();
        store.read(folder, relative, new ContentStore.ObjectRequest(!head, range, ifNoneMatch)).emitOn(onThisContext())
                .subscribe().with(read -> {
            HttpServerResponse response = ctx.response();
            switch (read.status()) {
                case 404 -> notFound(ctx);
                case 416 -> {
                    response.putHeader(HttpHeaders.CONTENT_RANGE, read.contentRange());
                    ProblemMapper.respond(ctx, new ProblemException(416, "range-not-satisfiable", "Range not satisfiable",
                            "The requested range is outside the file."));
                }
                case 304 -> validators(response, read.etag(), read.lastModified()).setStatusCode(304).end();
                default -> {
                    validators(response, read.etag(), read.lastModified()).setStatusCode(read.status())
                            .putHeader(HttpHeaders.CONTENT_TYPE, "video/mp4").putHeader(HttpHeaders.ACCEPT_RANGES, "bytes")
                            .putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(read.length()));
                    if (read.contentRange() != null) {
                        response.putHeader(HttpHeaders.CONTENT_RANGE, read.contentRange());
                    }
                    if (read.body() == null) {
                        response.end();
                    } else {
                        read.body().subscribe(new ResponseWriter(context, response));
                        cache.fill(folder, relative, objectSize(read));
                    }
                }
            }
        }, failure -> unavailable(ctx));
    }

    /**
     * A kept segment, with the bucket's validators and the same answers to ranges and conditions as the bucket path;
     * the bytes go from the file to the socket with sendfile. A file gone meanwhile sends the request to the bucket.
     */
    private void serveKept(RoutingContext ctx, String folder, String relative, SegmentCache.Entry kept) {
        HttpServerResponse response = ctx.response();
        ContentStore.StoredObject object = new ContentStore.StoredObject(kept.size(), kept.etag(), kept.lastModified());
        if (notModified(ctx, object)) {
            validators(response, kept.etag(), kept.lastModified()).setStatusCode(304).end();
            return;
        }
        boolean head = ctx.request().method() == HttpMethod.HEAD;
        String range = head ? null : singleRange(ctx.request().getHeader("Range"));
        long[] span = range == null ? new long[] { 0, kept.size() - 1 } : span(range, kept.size());
        if (span == null) {
            response.putHeader(HttpHeaders.CONTENT_RANGE, "bytes */" + kept.size());
            ProblemMapper.respond(ctx, new ProblemException(416, "range-not-satisfiable", "Range not satisfiable",
                    "The requested range is outside the file."));
            return;
        }
        validators(response, kept.etag(), kept.lastModified()).putHeader(HttpHeaders.CONTENT_TYPE, "video/mp4")
                .putHeader(HttpHeaders.ACCEPT_RANGES, "bytes");
        if (range != null) {
            response.setStatusCode(206).putHeader(HttpHeaders.CONTENT_RANGE,
                    "bytes " + span[0] + "-" + span[1] + "/" + kept.size());
        }
        if (head) {
            response.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(kept.size())).end();
            return;
        }
        response.sendFile(kept.file().toString(), span[0], span[1] - span[0] + 1).onFailure(failure -> {
            if (response.headWritten()) {
                response.reset();
                return;
            }
            // The file went (removed by hand, say): the bucket answers, with its own headers, and the copy is made again.
            cache.drop(folder, relative);
            response.setStatusCode(200);
            for (CharSequence header : List.of(HttpHeaders.CONTENT_RANGE, HttpHeaders.ETAG, HttpHeaders.LAST_MODIFIED,
                    HttpHeaders.CACHE_CONTROL, HttpHeaders.CONTENT_TYPE, HttpHeaders.ACCEPT_RANGES)) {
                response.headers().remove(header);
            }
            read(ctx, folder, relative, strong(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH)));
        });
    }

    /**
     * The first and last byte a {@link #singleRange} asks of an object of {@code size} bytes, as an S3 server reads it
     * (a last byte past the end means the end); null when no byte of it is in the object (416).
     */
    static long[] span(String range, long size) {
        String spec = range.substring("bytes=".length());
        int dash = spec.indexOf('-');
        try {
            if (dash == 0) {
                long suffix = Long.parseLong(spec.substring(1));
                return suffix == 0 || size == 0 ? null : new long[] { Math.max(0, size - suffix), size - 1 };
            }
            long first = Long.parseLong(spec.substring(0, dash));
            long last = dash == spec.length() - 1 ? size - 1 : Math.min(Long.parseLong(spec.substring(dash + 1)), size - 1);
            return first >= size ? null : new long[] { first, last };
        } catch (NumberFormatException tooLong) {
            return null;
        }
    }

    /** The whole object's size from a GET's answer (a 206 names it after the slash of its Content-Range); 0: unknown. */
    private static long objectSize(ContentStore.ObjectRead read) {
        if (read.contentRange() == null) {
            return read.length();
        }
        int slash = read.contentRange().lastIndexOf('/');
        try {
            return slash < 0 ? 0 : Long.parseLong(read.contentRange().substring(slash + 1));
        } catch (NumberFormatException unknown) {
            return 0;
        }
    }

    /**
     * Where the bucket's answers (which arrive on the SDK's threads) are handled: the request's own context, the one its
     * connection's events run on, so that the response is only ever touched from one thread. Call it on that context.
     */
    private static Executor onThisContext() {
        Context context = Vertx.currentContext();
        return task -> context.runOnContext(v -> task.run());
    }

    private static HttpServerResponse validators(HttpServerResponse response, String etag, Instant lastModified) {
        if (etag != null) {
            response.putHeader(HttpHeaders.ETAG, etag);
        }
        if (lastModified != null) {
            response.putHeader(HttpHeaders.LAST_MODIFIED,
                    DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(lastModified, ZoneOffset.UTC)));
        }
        return response.putHeader(HttpHeaders.CACHE_CONTROL, SEGMENT_CACHE);
    }

    /** A weak entity tag compares as its strong form (the comparison of If-None-Match is the weak one). */
    private static String strong(String ifNoneMatch) {
        return ifNoneMatch != null && ifNoneMatch.startsWith("W/") ? ifNoneMatch.substring(2) : ifNoneMatch;
    }

    /**
     * The Range header when it asks for one byte range; anything else (several ranges, another unit, a malformed one)
     * is ignored and the whole object served, as RFC 9110 allows.
     */
    static String singleRange(String range) {
        return range != null && SINGLE_RANGE.matcher(range).matches() && ordered(range) ? range : null;
    }

    private static boolean ordered(String range) {
        int dash = range.indexOf('-');
        if (dash == "bytes=".length() || dash == range.length() - 1) {
            return true;
        }
        try {
            return Long.parseLong(range.substring("bytes=".length(), dash)) <= Long.parseLong(range.substring(dash + 1));
        } catch (NumberFormatException tooLong) {
            return false;
        }
    }

    private static boolean notModified(RoutingContext ctx, ContentStore.StoredObject object) {
        String ifNoneMatch = ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH);
        if (ifNoneMatch != null) {
            // A list of entity tags matches when one of them does (RFC 9110 13.1.2; the weak comparison).
            for (String tag : ifNoneMatch.split(",")) {
                String t = tag.strip();
                if (t.equals(object.etag()) || t.equals("W/" + object.etag()) || t.equals("*")) {
                    return true;
                }
            }
            return false;
        }
        String since = ctx.request().getHeader(HttpHeaders.IF_MODIFIED_SINCE);
        if (since == null) {
            return false;
        }
        try {
            Instant when = ZonedDateTime.parse(since, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return object.lastModified().getEpochSecond() <= when.getEpochSecond();
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private static void unavailable(RoutingContext ctx) {
        ProblemMapper.respond(ctx, ProblemException.serviceUnavailable("storage-unavailable",
                "The stream's storage cannot be read right now; try again.", Duration.ofSeconds(5)));
    }

    static void notFound(RoutingContext ctx) {
        ProblemMapper.respond(ctx, ProblemException.notFound("No published stream file at this path."));
    }

    /** Collects a small object's buffers into one array. */
    private static final class Collector implements Subscriber<ByteBuffer> {

        private final CompletableFuture<byte[]> whole;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Collector(CompletableFuture<byte[]> whole) {
            this.whole = whole;
        }

        @Override
        public void onSubscribe(Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            out.writeBytes(bytes);
        }

        @Override
        public void onError(Throwable failure) {
            whole.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
            whole.complete(out.toByteArray());
        }
    }

    /**
     * Writes an object's buffers to the response on the request's context. The SDK hands over the object in small
     * buffers (8 KiB, its HTTP decoder's chunks): they are gathered, on the SDK's thread, into writes of about
     * {@link #BATCH} bytes, so that the hop to the request's context and the write to the socket happen once per batch,
     * not once per buffer. A window of {@link #WINDOW} buffers is asked for ahead, topped up when half of it is written
     * and the response can take more, so that the bucket's connection keeps reading while the response writes; memory
     * per request stays bounded by the window, one batch and the response's write queue.
     */
    private static final class ResponseWriter implements Subscriber<ByteBuffer> {

        static final int WINDOW = 64;
        static final int BATCH = 64 * 1024;

        private final Context context;
        private final HttpServerResponse response;
        private Subscription subscription;
        /** Buffers asked for and not yet written (on the request's context only). */
        private int pending;
        /** Buffers received and not yet handed to the request's context (on the SDK's thread only). */
        private List<ByteBuffer> gathered = new ArrayList<>();
        private int gatheredBytes;

        ResponseWriter(Context context, HttpServerResponse response) {
            this.context = context;
            this.response = response;
        }

        @Override
        public void onSubscribe(Subscription s) {
            subscription = s;
            context.runOnContext(v -> {
                // a client gone before the object's first bytes would never fire the close handler
                if (response.closed()) {
                    s.cancel();
                    return;
                }
                response.closeHandler(closed -> s.cancel());
                pending = WINDOW;
                s.request(WINDOW);
            });
        }

        @Override
        public void onNext(ByteBuffer buffer) {
            // The SDK hands over a buffer of its own for each piece: kept, not copied, until the batch is written.
            gathered.add(buffer);
            gatheredBytes += buffer.remaining();
            if (gatheredBytes >= BATCH || gathered.size() >= WINDOW / 4) {
                handOver();
            }
        }

        private void handOver() {
            List<ByteBuffer> batch = gathered;
            gathered = new ArrayList<>();
            gatheredBytes = 0;
            Buffer bytes = Buffer.buffer(Unpooled.wrappedBuffer(batch.toArray(ByteBuffer[]::new)));
            context.runOnContext(v -> {
                pending -= batch.size();
                if (response.closed()) {
                    subscription.cancel();
                    return;
                }
                response.write(bytes);
                topUp();
            });
        }

        private void topUp() {
            if (response.ended() || response.closed()) {
                return;
            }
            if (response.writeQueueFull()) {
                response.drainHandler(drained -> topUp());
            } else if (pending <= WINDOW / 2) {
                int more = WINDOW - pending;
                pending += more;
                subscription.request(more);
            }
        }

        @Override
        public void onError(Throwable failure) {
            // the status line is sent: the client sees a short body
            context.runOnContext(v -> response.reset());
        }

        @Override
        public void onComplete() {
            if (!gathered.isEmpty()) {
                handOver();
            }
            context.runOnContext(v -> {
                if (!response.closed()) {
                    response.drainHandler(null);
                    response.end();
                }
            });
        }
    }
}
