package io.vodpack.upload.ingest;

import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.Pipe;
import io.vertx.core.streams.ReadStream;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.storage.StorageUnavailableException;

/**
 * The one streaming path of single-request and resumable uploads: pipes a body into a {@link DigestingSink}, with
 * back-pressure, on the connection's event loop; the sink hashes and writes on the {@code vodpack-upload-io} worker
 * pool. A raw body reads straight into direct buffers ({@link DirectBodyReads}). A body that brings fewer than
 * {@code vodpack.upload.min-transfer-bytes} in a {@code min-transfer-window} is stopped, so that trickling
 * clients cannot hold connections and files open.
 */
@ApplicationScoped
public class BodyPipe {

    /** Threads that hash and write upload bodies: each upload has at most one hash and one write in flight. */
    private static final int IO_THREADS = 16;

    private final Vertx vertx;
    private final VodpackConfig config;
    private final UploadLimits limits;
    private final UploadMetrics metrics;
    private final WorkerExecutor io;

    public BodyPipe(Vertx vertx, VodpackConfig config, UploadLimits limits, UploadMetrics metrics) {
        this.vertx = vertx;
        this.config = config;
        this.limits = limits;
        this.metrics = metrics;
        this.io = vertx.createSharedWorkerExecutor("vodpack-upload-io", IO_THREADS);
    }

    @PreDestroy
    void close() {
        io.close();
    }

    /** A sink that feeds {@code digests} and appends to {@code target}, refusing bytes past {@code limit}. */
    public DigestingSink sink(BodyTarget target, long limit, List<MessageDigest> digests) {
        return new DigestingSink(io, target, limit, digests);
    }

    /** Opens a body's target on a worker thread (opening a file blocks); completes on the caller's context. */
    public Future<BodyTarget> open(Callable<BodyTarget> opening) {
        return io.executeBlocking(opening, false);
    }

    /** Pipes a raw request body; its connection reads into direct buffers until the body has ended. */
    public Future<Long> pipe(HttpServerRequest request, DigestingSink sink) {
        Runnable restore = DirectBodyReads.enable(request);
        return pipe((ReadStream<Buffer>) request, sink).onComplete(result -> restore.run());
    }

    /**
     * Completes with the bytes written; fails with 413 past the sink's limit, 408 below the minimum rate, 507 when
     * the disk fills up, or {@link UploadAbortedException} when the connection ends early. The file is closed either
     * way.
     */
    public Future<Long> pipe(ReadStream<Buffer> body, DigestingSink sink) {
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

    private void finish(AsyncResult<Void> result, DigestingSink sink, boolean tooSlow, Promise<Long> done) {
        metrics.bytesWritten(sink.written());
        // The pipe has already ended the sink (every accepted chunk written, the target closed), on success and failure.
        if (sink.limitExceeded()) {
            done.tryFail(limits.tooLarge());
        } else if (tooSlow) {
            done.tryFail(ProblemException.requestTimeout("upload-too-slow", "The body arrived slower than "
                    + config.upload().minTransferBytes() + " bytes in " + config.upload().minTransferWindow().toSeconds()
                    + " s and was stopped after " + sink.written() + " bytes."));
        } else if (result.failed() && diskFull(result.cause())) {
            done.tryFail(ProblemException.insufficientStorage(
                    "The disk filled up during the upload; nothing was stored. Try again later."));
        } else if (result.failed() && storageFailure(result.cause()) != null) {
            done.tryFail(storageFailure(result.cause()));
        } else if (result.failed()) {
            done.tryFail(new UploadAbortedException(result.cause()));
        } else {
            done.tryComplete(sink.written());
        }
    }

    /** The bucket's failure behind a failed write (the target is a {@link PartTarget}), or null. */
    private static StorageUnavailableException storageFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof StorageUnavailableException s) {
                return s;
            }
        }
        return null;
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
