package io.vodpack.upload;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.upload.media.MediaInfo;
import io.vodpack.upload.media.Mp4Inspector;

/**
 * Receives an upload: streams the body to a partial file while hashing it, validates the MP4,
 * moves it under a server-chosen name and records it. Any failure removes what was written.
 */
@ApplicationScoped
public class UploadService {

    private static final Logger LOG = Logger.getLogger(UploadService.class);

    private final Vertx vertx;
    private final ContentStorage storage;
    private final InputContentRepository repository;
    private final VodpackConfig config;
    private final MeterRegistry metrics;
    private final Counter bytesReceived;

    public UploadService(Vertx vertx, ContentStorage storage, InputContentRepository repository, VodpackConfig config,
            MeterRegistry metrics) {
        this.vertx = vertx;
        this.storage = storage;
        this.repository = repository;
        this.config = config;
        this.metrics = metrics;
        this.bytesReceived = Counter.builder("vodpack.upload.bytes").description("Bytes of upload bodies written to disk")
                .baseUnit("bytes").register(metrics);
    }

    public long maxSize() {
        return config.upload().maxSize();
    }

    public ProblemException tooLarge() {
        return new ProblemException(413, "upload-too-large", "Payload too large",
                "The upload exceeds the limit of " + config.upload().maxSize() + " bytes; nothing was stored.");
    }

    private record Received(Path file, long size, byte[] sha256, String filename) {
    }

    /**
     * Streams the (paused) request body to disk and turns it into a stored input.
     * Runs on the request's event loop except the MP4 inspection, which runs on a worker thread.
     */
    public Uni<InputContent> receive(HttpServerRequest request, IncomingUpload upload) {
        long free = storage.usableSpace();
        if (free < config.upload().minFreeSpace()) {
            return fail("insufficient-storage", new ProblemException(507, "insufficient-storage",
                    "Insufficient storage", "The service has " + free + " bytes free, below its reserve of "
                            + config.upload().minFreeSpace() + " bytes; try again later."));
        }
        Path part = storage.newIncomingFile();
        String storageName = UUID.randomUUID() + ".mp4";
        Path stored = storage.inputFile(storageName);
        Future<InputContent> flow = vertx.fileSystem()
                .open(part.toString(), new OpenOptions().setWrite(true).setCreateNew(true))
                .compose(file -> stream(request, file, upload.multipart()))
                .compose(received -> checkBody(received, upload))
                // worker thread: reads the box headers and the moov box
                .compose(received -> vertx.executeBlocking(() -> Mp4Inspector.inspect(part), false)
                        .map(media -> toEntity(received, media, upload, storageName)))
                .compose(entity -> vertx.fileSystem().move(part.toString(), stored.toString()).map(entity));
        // Cleanup hangs on the Vert.x future, not on the Uni: when the client disconnects, Quarkus REST
        // cancels its subscription and a Uni failure handler would never run.
        flow.onFailure(failure -> {
            count(outcome(failure), reason(failure));
            discard(part, stored);
        });
        return Uni.createFrom().completionStage(flow.toCompletionStage())
                .flatMap(entity -> Panache.withTransaction(() -> repository.persist(entity))
                        .onFailure().call(failure -> {
                            count("failed", "database");
                            return Uni.createFrom().completionStage(discard(part, stored).toCompletionStage());
                        }))
                .invoke(entity -> {
                    count("accepted", "none");
                    LOG.infof("Stored input %d (%d bytes, %s/%s, %dx%d)", entity.id, entity.sizeBytes, entity.videoCodec,
                            entity.audioCodec, entity.width, entity.height);
                });
    }

    private Future<Received> stream(HttpServerRequest request, AsyncFile file, boolean multipart) {
        DigestingFileSink sink = new DigestingFileSink(file, config.upload().maxSize());
        Promise<Received> done = Promise.promise();
        Promise<String> filename = Promise.promise();
        if (multipart) {
            AtomicBoolean seen = new AtomicBoolean();
            request.setExpectMultipart(true);
            request.uploadHandler(part -> {
                if (!"file".equals(part.name()) || !seen.compareAndSet(false, true)) {
                    part.handler(ignored -> {
                    });
                    return;
                }
                filename.tryComplete(part.filename());
                part.pipeTo(sink).onComplete(result -> finish(result, sink, filename.future(), done));
            });
            request.exceptionHandler(done::tryFail);
            request.endHandler(v -> {
                if (!seen.get()) {
                    file.close();
                    done.tryFail(ProblemException.badRequest("missing-file-part",
                            "The multipart body has no part named 'file'; send the video as -F file=@trailer.mp4."));
                }
            });
            request.resume();
        } else {
            filename.complete(null);
            request.pipeTo(sink).onComplete(result -> finish(result, sink, filename.future(), done));
        }
        return done.future();
    }

    private void finish(io.vertx.core.AsyncResult<Void> result, DigestingFileSink sink, Future<String> filename, Promise<Received> done) {
        bytesReceived.increment(sink.written());
        // The pipe has already ended (closed) the file, on success and on failure alike.
        if (sink.limitExceeded()) {
            done.tryFail(tooLarge());
        } else if (result.failed()) {
            done.tryFail(new UploadAbortedException(result.cause()));
        } else {
            done.tryComplete(new Received(null, sink.written(), sink.sha256(), filename.result()));
        }
    }

    private Future<Received> checkBody(Received received, IncomingUpload upload) {
        if (received.size() == 0) {
            return Future.failedFuture(ProblemException.badRequest("empty-body", "The upload is empty: send an MP4 file."));
        }
        byte[] expected = upload.expectedSha256();
        if (expected != null && !MessageDigest.isEqual(expected, received.sha256())) {
            return Future.failedFuture(ProblemException.badRequest("digest-mismatch",
                    "The body's SHA-256 is " + Base64.getEncoder().encodeToString(received.sha256())
                            + " but the request's digest header says " + Base64.getEncoder().encodeToString(expected)
                            + "; nothing was stored."));
        }
        return Future.succeededFuture(received);
    }

    private static InputContent toEntity(Received received, MediaInfo media, IncomingUpload upload, String storageName) {
        InputContent entity = new InputContent();
        entity.status = InputContent.Status.READY;
        entity.storageName = storageName;
        entity.originalFilename = FileNames.sanitize(received.filename() != null ? received.filename() : upload.filename());
        entity.contentType = upload.contentType();
        entity.sizeBytes = received.size();
        entity.sha256 = HexFormat.of().formatHex(received.sha256());
        entity.videoCodec = media.videoCodec();
        entity.audioCodec = media.audioCodec();
        entity.width = media.width();
        entity.height = media.height();
        entity.durationMillis = media.durationMillis();
        entity.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        return entity;
    }

    /** Removes the partial and the stored file of a failed upload; both may be missing. */
    private Future<Void> discard(Path part, Path stored) {
        return vertx.fileSystem().delete(part.toString()).otherwiseEmpty()
                .compose(v -> vertx.fileSystem().delete(stored.toString()).otherwiseEmpty()).mapEmpty();
    }

    private <T> Uni<T> fail(String reason, ProblemException problem) {
        count("rejected", reason);
        return Uni.createFrom().failure(problem);
    }

    private void count(String outcome, String reason) {
        metrics.counter("vodpack.uploads", "outcome", outcome, "reason", reason).increment();
    }

    private static String outcome(Throwable failure) {
        if (failure instanceof UploadAbortedException) {
            return "aborted";
        }
        return failure instanceof ProblemException p && p.status() < 500 ? "rejected" : "failed";
    }

    private static String reason(Throwable failure) {
        if (failure instanceof UploadAbortedException) {
            return "client-aborted";
        }
        return failure instanceof ProblemException p ? p.slug() : "internal-error";
    }
}
