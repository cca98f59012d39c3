package io.vodpack.delivery;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

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
        // S3 servers compare one entity tag, not a list: a list is compared here, after a HEAD.
        boolean list = ifNoneMatch != null && ifNoneMatch.indexOf(',') >= 0;
        if (redirect || byDate || list || "*".equals(ifNoneMatch)) {
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
            if (SegmentResponses.notModified(ctx, object.etag(), object.lastModified())) {
                SegmentResponses.validators(ctx.response(), object.etag(), object.lastModified()).setStatusCode(304).end();
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
        String range = head ? null : SegmentResponses.singleRange(ctx.request().getHeader("Range"));
        Context context = Vertx.currentContext();
        store.read(folder, relative, new ContentStore.ObjectRequest(!head, range, ifNoneMatch)).emitOn(onThisContext())
                .subscribe().with(read -> {
            HttpServerResponse response = ctx.response();
            switch (read.status()) {
                case 404 -> notFound(ctx);
                case 416 -> SegmentResponses.notSatisfiable(ctx, read.contentRange());
                case 304 -> SegmentResponses.validators(response, read.etag(), read.lastModified()).setStatusCode(304).end();
                default -> {
                    SegmentResponses.validators(response, read.etag(), read.lastModified()).setStatusCode(read.status())
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
     * A kept segment, with the bucket's validators and the same answers to ranges and conditions as the bucket path.
     * A file gone meanwhile (removed by hand, say) sends the request to the bucket, and the copy is made again.
     */
    private void serveKept(RoutingContext ctx, String folder, String relative, SegmentCache.Entry kept) {
        SegmentResponses.sendFile(ctx, kept.file().toString(), kept.size(), kept.etag(), kept.lastModified(), () -> {
            cache.drop(folder, relative);
            read(ctx, folder, relative, strong(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH)));
        });
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

    /** A weak entity tag compares as its strong form (the comparison of If-None-Match is the weak one). */
    private static String strong(String ifNoneMatch) {
        return ifNoneMatch != null && ifNoneMatch.startsWith("W/") ? ifNoneMatch.substring(2) : ifNoneMatch;
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
