package io.vodpack.upload.ingest;

import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.Pipe;
import io.vertx.core.streams.ReadStream;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.error.ProblemException;

/**
 * The one streaming path of single-request and resumable uploads: pipes a body into a
 * {@link DigestingFileSink}, with back-pressure, on the connection's event loop. A body that brings fewer than
 * {@code vodpack.upload.min-transfer-bytes} in a {@code min-transfer-window} is stopped, so that trickling
 * clients cannot hold connections and files open.
 */
@ApplicationScoped
public class BodyPipe {

    private final Vertx vertx;
    private final VodpackConfig config;
    private final UploadLimits limits;
    private final UploadMetrics metrics;

    public BodyPipe(Vertx vertx, VodpackConfig config, UploadLimits limits, UploadMetrics metrics) {
        this.vertx = vertx;
        this.config = config;
        this.limits = limits;
        this.metrics = metrics;
    }

    /**
     * Completes with the bytes written; fails with 413 past the sink's limit, 408 below the minimum rate, 507 when
     * the disk fills up, or {@link UploadAbortedException} when the connection ends early. The file is closed either
     * way.
     */
    public Future<Long> pipe(ReadStream<Buffer> body, DigestingFileSink sink) {
        Promise<Long> done = Promise.promise();
        Pipe<Buffer> pipe = body.pipe();
        AtomicBoolean tooSlow = new AtomicBoolean();
        long window = config.upload().minTransferWindow().toMillis();
        long minBytes = config.upload().minTransferBytes();
        // Event loop (the timer fires on the connection's context): stop a body that brings too few bytes a window.
        long timer = vertx.setPeriodic(window, new Handler<Long>() {
            private long seen;

            @Override
            public void handle(Long id) {
                long now = sink.written();
                if (now - seen < minBytes) {
                    tooSlow.set(true);
                    pipe.close();
                }
                seen = now;
            }
        });
        pipe.to(sink).onComplete(result -> {
            vertx.cancelTimer(timer);
            finish(result, sink, tooSlow.get(), done);
        });
        return done.future();
    }

    private void finish(AsyncResult<Void> result, DigestingFileSink sink, boolean tooSlow, Promise<Long> done) {
        metrics.bytesWritten(sink.written());
        // The pipe has already ended (closed) the file, on success and on failure alike.
        if (sink.limitExceeded()) {
            done.tryFail(limits.tooLarge());
        } else if (tooSlow) {
            done.tryFail(ProblemException.requestTimeout("upload-too-slow", "The body arrived slower than "
                    + config.upload().minTransferBytes() + " bytes in " + config.upload().minTransferWindow().toSeconds()
                    + " s and was stopped after " + sink.written() + " bytes."));
        } else if (result.failed() && diskFull(result.cause())) {
            done.tryFail(ProblemException.insufficientStorage(
                    "The disk filled up during the upload; nothing was stored. Try again later."));
        } else if (result.failed()) {
            done.tryFail(new UploadAbortedException(result.cause()));
        } else {
            done.tryComplete(sink.written());
        }
    }

    private static boolean diskFull(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("No space left on device")) {
                return true;
            }
        }
        return false;
    }
}
