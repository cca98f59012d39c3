package io.vodpack.delivery;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

import jakarta.enterprise.context.ApplicationScoped;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.error.ProblemMapper;
import io.vodpack.core.storage.ContentStore;
import io.vodpack.core.storage.S3ContentStore;

/**
 * Serves the files of published streams kept as objects (storage kind {@code s3}) with the behaviour of the static
 * file route: byte ranges, ETag and Last-Modified with 304, immutable caching. The bytes are streamed from the bucket
 * with back-pressure (memory per request: a few network buffers), or, with {@code vodpack.delivery.redirect}, a
 * segment request is answered with a 302 to a short-lived presigned URL. Runs on the event loop.
 */
@ApplicationScoped
class BucketStreams {

    static final String SEGMENT_CACHE = "public, max-age=31536000, immutable";

    private final ContentStore store;
    private final boolean redirect;

    BucketStreams(ContentStore store, VodpackConfig config) {
        this.store = store;
        this.redirect = config.delivery().redirect();
    }

    /** The bytes of a small object (an MPD) and its version, empty when it is missing. */
    Uni<java.util.Optional<Versioned>> readWhole(String folder, String relative) {
        return store.stat(folder, relative).flatMap(stat -> {
            if (stat.isEmpty()) {
                return Uni.createFrom().item(java.util.Optional.<Versioned>empty());
            }
            return store.read(folder, relative, null)
                    .flatMap(body -> Uni.createFrom().completionStage(() -> {
                        var whole = new java.util.concurrent.CompletableFuture<byte[]>();
                        body.body().subscribe(new Collector(whole));
                        return whole;
                    }))
                    .map(bytes -> java.util.Optional.of(new Versioned(bytes, stat.get().etag())));
        });
    }

    record Versioned(byte[] bytes, String version) {
    }

    /** Answers a GET or HEAD of one segment or init segment of a DONE job's live folder. */
    void serve(RoutingContext ctx, String folder, String relative) {
        store.stat(folder, relative).subscribe().with(stat -> {
            if (stat.isEmpty()) {
                notFound(ctx);
                return;
            }
            ContentStore.StoredObject object = stat.get();
            HttpServerResponse response = ctx.response();
            String lastModified = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(object.lastModified(), ZoneOffset.UTC));
            response.putHeader(HttpHeaders.ETAG, object.etag()).putHeader(HttpHeaders.CACHE_CONTROL, SEGMENT_CACHE)
                    .putHeader(HttpHeaders.LAST_MODIFIED, lastModified);
            if (notModified(ctx, object)) {
                response.setStatusCode(304).end();
                return;
            }
            if (redirect) {
                response.headers().remove(HttpHeaders.CACHE_CONTROL);
                response.setStatusCode(302).putHeader(HttpHeaders.LOCATION, store.presign(folder, relative))
                        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store").end();
                return;
            }
            response.putHeader(HttpHeaders.CONTENT_TYPE, "video/mp4").putHeader("Accept-Ranges", "bytes");
            if (ctx.request().method() == HttpMethod.HEAD) {
                response.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(object.size())).end();
                return;
            }
            String range = ctx.request().getHeader("Range");
            store.read(folder, relative, range).subscribe().with(body -> {
                if (body.contentRange() != null) {
                    response.setStatusCode(206).putHeader(HttpHeaders.CONTENT_RANGE, body.contentRange());
                }
                response.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(body.length()));
                body.body().subscribe(new ResponseWriter(ctx.vertx().getOrCreateContext(), response));
            }, failure -> failed(ctx, failure, object.size()));
        }, failure -> failed(ctx, failure, -1));
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

    private static void failed(RoutingContext ctx, Throwable failure, long size) {
        int status = S3ContentStore.status(failure);
        if (status == 416) {
            ctx.response().putHeader(HttpHeaders.CONTENT_RANGE, "bytes */" + size);
            ProblemMapper.respond(ctx, new ProblemException(416, "range-not-satisfiable", "Range not satisfiable",
                    "The requested range is outside the file."));
        } else if (status == 404) {
            notFound(ctx);
        } else {
            ProblemMapper.respond(ctx, ProblemException.serviceUnavailable("storage-unavailable",
                    "The stream's storage cannot be read right now; try again.", java.time.Duration.ofSeconds(5)));
        }
    }

    static void notFound(RoutingContext ctx) {
        ProblemMapper.respond(ctx, ProblemException.notFound("No published stream file at this path."));
    }

    /** Collects a small object's buffers into one array. */
    private static final class Collector implements Subscriber<ByteBuffer> {

        private final java.util.concurrent.CompletableFuture<byte[]> whole;
        private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();

        Collector(java.util.concurrent.CompletableFuture<byte[]> whole) {
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
     * Writes an object's buffers to the response on the request's context. A window of {@link #WINDOW} buffers is asked
     * for ahead, topped up when half of it is written and the response can take more, so that the bucket's connection
     * keeps reading while the response writes (one buffer at a time would make every buffer wait for a round trip
     * between the two), and memory stays bounded by the window and the response's write queue.
     */
    private static final class ResponseWriter implements Subscriber<ByteBuffer> {

        static final int WINDOW = 16;

        private final Context context;
        private final HttpServerResponse response;
        private Subscription subscription;
        /** Buffers asked for and not yet written (on the request's context only). */
        private int pending;

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
            // The SDK hands over a buffer of its own for each piece: wrapped, not copied.
            Buffer bytes = Buffer.buffer(io.netty.buffer.Unpooled.wrappedBuffer(buffer));
            context.runOnContext(v -> {
                pending--;
                if (response.closed()) {
                    subscription.cancel();
                    return;
                }
                response.write(bytes);
                topUp();
            });
        }

        private void topUp() {
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
            context.runOnContext(v -> {
                if (!response.closed()) {
                    response.end();
                }
            });
        }
    }
}
