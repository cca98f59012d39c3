package io.vodpack.delivery;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.error.ProblemMapper;
import io.vodpack.core.storage.ContentStore;

/**
 * Serves the files of published streams kept as objects (storage kind {@code s3}) with the behaviour of the static
 * file route: byte ranges, ETag and Last-Modified with 304, immutable caching. A segment's bytes are fetched from a
 * short-lived presigned URL with the service's own HTTP client and piped to the client as the network buffers arrive,
 * with back-pressure (memory per request: a few socket reads). With {@code vodpack.delivery.redirect}, a segment request
 * is answered with a 302 to a presigned URL instead. Runs on the event loop.
 */
@ApplicationScoped
class BucketStreams {

    static final String SEGMENT_CACHE = "public, max-age=31536000, immutable";

    /** One byte range: {@code bytes=first-last}, {@code bytes=first-} or {@code bytes=-suffix}. */
    private static final Pattern SINGLE_RANGE = Pattern.compile("bytes=(?:[0-9]{1,18}-[0-9]{0,18}|-[0-9]{1,18})");
    /** How long the URL of one fetch stays valid: it is used at once, and never leaves the service. */
    private static final Duration FETCH_TTL = Duration.ofMinutes(1);
    /** Longest pause in the bucket's answer before the fetch (and the client's response) is given up. */
    private static final long FETCH_IDLE_MS = 30_000;

    private final ContentStore store;
    private final boolean redirect;
    private final Duration redirectTtl;
    /**
     * Fetches from the bucket. The SDK's client hands a body over in 8 KiB pieces, each crossing to the request's event
     * loop; this client's connections live on the event loop of the request that opened them and pass on whole socket
     * reads, which is what makes proxying cost little more than the bucket's own serving.
     */
    private final HttpClient bucket;

    BucketStreams(ContentStore store, VodpackConfig config, Vertx vertx) {
        this.store = store;
        this.redirect = config.delivery().redirect();
        this.redirectTtl = config.delivery().redirectTtl();
        this.bucket = vertx.createHttpClient(new HttpClientOptions().setMaxPoolSize(128).setKeepAlive(true)
                .setKeepAliveTimeout(30).setConnectTimeout(5_000).setDecompressionSupported(false));
    }

    @PreDestroy
    void close() {
        bucket.close();
    }

    /** The bytes of a small object (an MPD) and its version, empty when it is missing. */
    Uni<Optional<Versioned>> readWhole(String folder, String relative) {
        return store.read(folder, relative, ContentStore.ObjectRequest.whole()).flatMap(read -> {
            if (read.status() == 404) {
                return Uni.createFrom().item(Optional.<Versioned>empty());
            }
            return Uni.createFrom().completionStage(() -> {
                var whole = new CompletableFuture<byte[]>();
                read.body().subscribe(new Collector(whole));
                return whole;
            }).map(bytes -> Optional.of(new Versioned(bytes, read.etag())));
        });
    }

    record Versioned(byte[] bytes, String version) {
    }

    /**
     * Answers a GET or HEAD of one segment or init segment of a DONE job's live folder. Most requests cost the bucket one
     * request, which carries the client's Range and entity tag: the S3 server answers 304 and 416 itself. Validators S3
     * servers do not evaluate alike (a date, {@code *}) and the redirect are answered from a HEAD first.
     */
    void serve(RoutingContext ctx, String folder, String relative) {
        String ifNoneMatch = ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH);
        boolean byDate = ifNoneMatch == null && ctx.request().getHeader(HttpHeaders.IF_MODIFIED_SINCE) != null;
        if (redirect || byDate || "*".equals(ifNoneMatch)) {
            serveAfterHead(ctx, folder, relative);
            return;
        }
        read(ctx, folder, relative, strong(ifNoneMatch));
    }

    private void serveAfterHead(RoutingContext ctx, String folder, String relative) {
        store.stat(folder, relative).subscribe().with(stat -> {
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
                ctx.response().setStatusCode(302).putHeader(HttpHeaders.LOCATION, store.presign(folder, relative, redirectTtl))
                        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store").end();
                return;
            }
            read(ctx, folder, relative, null);
        }, failure -> unavailable(ctx));
    }

    private void read(RoutingContext ctx, String folder, String relative, String ifNoneMatch) {
        if (ctx.request().method() == HttpMethod.HEAD) {
            head(ctx, folder, relative, ifNoneMatch);
            return;
        }
        RequestOptions get = new RequestOptions().setMethod(HttpMethod.GET)
                .setAbsoluteURI(store.presign(folder, relative, FETCH_TTL)).setIdleTimeout(FETCH_IDLE_MS);
        String range = singleRange(ctx.request().getHeader("Range"));
        if (range != null) {
            get.putHeader("Range", range);
        }
        if (ifNoneMatch != null) {
            get.putHeader(HttpHeaders.IF_NONE_MATCH, ifNoneMatch);
        }
        bucket.request(get).compose(request -> request.send().map(answer -> {
            pass(ctx, folder, relative, request, answer);
            return answer;
        })).onFailure(failure -> {
            if (!ctx.response().headWritten()) {
                unavailable(ctx);
            }
        });
    }

    /** Passes the bucket's answer to a GET on: the bytes for 200 and 206, the bucket's own 304, 404 and 416. */
    private void pass(RoutingContext ctx, String folder, String relative, HttpClientRequest request,
            HttpClientResponse answer) {
        HttpServerResponse response = ctx.response();
        int status = answer.statusCode();
        if (status != 200 && status != 206) {
            // the bucket's few bytes of error body are dropped as they arrive; the connection stays for the next fetch
            switch (status) {
                case 304 -> validators(response, answer.getHeader(HttpHeaders.ETAG), answer.getHeader(HttpHeaders.LAST_MODIFIED))
                        .setStatusCode(304).end();
                case 404 -> notFound(ctx);
                case 416 -> unsatisfiable(ctx, folder, relative);
                default -> unavailable(ctx);
            }
            return;
        }
        if (response.closed()) {
            request.reset();
            return;
        }
        validators(response, answer.getHeader(HttpHeaders.ETAG), answer.getHeader(HttpHeaders.LAST_MODIFIED))
                .setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "video/mp4")
                .putHeader(HttpHeaders.ACCEPT_RANGES, "bytes");
        String length = answer.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            response.putHeader(HttpHeaders.CONTENT_LENGTH, length);
        }
        String contentRange = answer.getHeader(HttpHeaders.CONTENT_RANGE);
        if (contentRange != null) {
            response.putHeader(HttpHeaders.CONTENT_RANGE, contentRange);
        }
        // a client gone mid-body closes the bucket's connection too; the bucket failing mid-body cuts the client's short
        response.closeHandler(closed -> request.reset());
        answer.pipeTo(response).onFailure(failure -> {
            request.reset();
            response.reset();
        });
    }

    /** A range past the end: the 416 names the object's size, which the bucket's answer need not carry. */
    private void unsatisfiable(RoutingContext ctx, String folder, String relative) {
        store.stat(folder, relative).subscribe().with(stat -> {
            if (stat.isEmpty()) {
                notFound(ctx);
                return;
            }
            ctx.response().putHeader(HttpHeaders.CONTENT_RANGE, "bytes */" + stat.get().size());
            ProblemMapper.respond(ctx, new ProblemException(416, "range-not-satisfiable", "Range not satisfiable",
                    "The requested range is outside the file."));
        }, failure -> unavailable(ctx));
    }

    /** A HEAD: the object's headers from the store, no bytes. */
    private void head(RoutingContext ctx, String folder, String relative, String ifNoneMatch) {
        store.read(folder, relative, new ContentStore.ObjectRequest(false, null, ifNoneMatch)).subscribe().with(read -> {
            HttpServerResponse response = ctx.response();
            switch (read.status()) {
                case 404 -> notFound(ctx);
                case 304 -> validators(response, read.etag(), read.lastModified()).setStatusCode(304).end();
                default -> validators(response, read.etag(), read.lastModified()).setStatusCode(read.status())
                        .putHeader(HttpHeaders.CONTENT_TYPE, "video/mp4").putHeader(HttpHeaders.ACCEPT_RANGES, "bytes")
                        .putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(read.length())).end();
            }
        }, failure -> unavailable(ctx));
    }

    private static HttpServerResponse validators(HttpServerResponse response, String etag, String lastModified) {
        if (etag != null) {
            response.putHeader(HttpHeaders.ETAG, etag);
        }
        if (lastModified != null) {
            response.putHeader(HttpHeaders.LAST_MODIFIED, lastModified);
        }
        return response.putHeader(HttpHeaders.CACHE_CONTROL, SEGMENT_CACHE);
    }

    private static HttpServerResponse validators(HttpServerResponse response, String etag, Instant lastModified) {
        return validators(response, etag, lastModified == null ? null
                : DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(lastModified, ZoneOffset.UTC)));
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
            return ifNoneMatch.equals(object.etag()) || ifNoneMatch.equals("W/" + object.etag()) || ifNoneMatch.equals("*");
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
}
