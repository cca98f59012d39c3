package io.vodpack.upload.ingest;

import jakarta.enterprise.context.ApplicationScoped;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import io.vodpack.core.error.ProblemException;

/**
 * The one streaming path of single-request and resumable uploads: pipes a body into a
 * {@link DigestingFileSink}, with back-pressure, on the connection's event loop.
 */
@ApplicationScoped
public class BodyPipe {

    private final UploadLimits limits;
    private final UploadMetrics metrics;

    public BodyPipe(UploadLimits limits, UploadMetrics metrics) {
        this.limits = limits;
        this.metrics = metrics;
    }

    /**
     * Completes with the bytes written; fails with 413 past the sink's limit, 507 when the disk fills up, or
     * {@link UploadAbortedException} when the connection ends early. The file is closed either way.
     */
    public Future<Long> pipe(ReadStream<Buffer> body, DigestingFileSink sink) {
        Promise<Long> done = Promise.promise();
        body.pipeTo(sink).onComplete(result -> finish(result, sink, done));
        return done.future();
    }

    private void finish(AsyncResult<Void> result, DigestingFileSink sink, Promise<Long> done) {
        metrics.bytesWritten(sink.written());
        // The pipe has already ended (closed) the file, on success and on failure alike.
        if (sink.limitExceeded()) {
            done.tryFail(limits.tooLarge());
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
