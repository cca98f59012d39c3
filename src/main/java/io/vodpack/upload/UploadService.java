package io.vodpack.upload;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
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

    private record Received(long size, byte[] sha256, String filename) {
    }

    /**
     * Streams the (paused) request body to disk and turns it into a stored input.
     * Runs on the request's event loop except the MP4 inspection, which runs on a worker thread.
     */
    public Uni<InputContent> receive(HttpServerRequest request, IncomingUpload upload) {
        long free = storage.usableSpace();
        if (free < config.upload().minFreeSpace()) {
            return fail("insufficient-storage", insufficientStorage("The service has " + free + " bytes free, below its reserve of "
                            + config.upload().minFreeSpace() + " bytes; try again later."));
        }
        Path part = storage.newIncomingFile();
        Future<Received> received = vertx.fileSystem()
                .open(part.toString(), new OpenOptions().setWrite(true).setCreateNew(true))
                .compose(file -> stream(request, file, upload.multipart()))
                .compose(body -> checkBody(body, upload));
        // Cleanup hangs on the Vert.x future, not on the Uni: when the client disconnects, Quarkus REST
        // cancels its subscription and a Uni failure handler would never run.
        received.onFailure(failure -> {
            count(outcome(failure), reason(failure));
            vertx.fileSystem().delete(part.toString());
        });
        return Uni.createFrom().completionStage(received.toCompletionStage())
                .flatMap(body -> store(part, body.size(), body.sha256(),
                        body.filename() != null ? body.filename() : upload.filename(), upload.contentType()));
    }

    /**
     * Pipes the request body into a sink: the one streaming path of single-request and resumable uploads.
     * Completes with the bytes written; fails with 413 past the sink's limit, or with
     * {@link UploadAbortedException} when the connection ends early. The file is closed either way.
     */
    public Future<Long> pipeBody(HttpServerRequest request, DigestingFileSink sink) {
        Promise<Long> done = Promise.promise();
        request.pipeTo(sink).onComplete(result -> finish(result, sink, done));
        return done.future();
    }

    /**
     * Validates a complete file and records it as an input: the MP4 check on a worker thread, then a move
     * under a server-chosen name, then the row. Any failure deletes the file.
     */
    public Uni<InputContent> store(Path file, long size, byte[] sha256, String filename, String contentType) {
        String storageName = UUID.randomUUID() + ".mp4";
        Path stored = storage.inputFile(storageName);
        // worker thread: flushes the file to the disk (a 201 must survive a crash), then reads the box headers
        Future<InputContent> ready = vertx.executeBlocking(() -> {
            try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file)) {
                channel.force(true);
            }
            return Mp4Inspector.inspect(file);
        }, false)
                .map(media -> toEntity(size, sha256, filename, contentType, media, storageName))
                .compose(entity -> vertx.fileSystem().move(file.toString(), stored.toString()).map(entity));
        ready.onFailure(failure -> {
            count(outcome(failure), reason(failure));
            discard(file, stored);
        });
        return Uni.createFrom().completionStage(ready.toCompletionStage())
                .flatMap(entity -> Panache.withTransaction(() -> repository.persist(entity))
                        .onFailure().call(failure -> {
                            count("failed", "database");
                            return Uni.createFrom().completionStage(discard(file, stored).toCompletionStage());
                        }))
                .invoke(entity -> {
                    count("accepted", "none");
                    LOG.infof("Stored input %d (%d bytes, %s/%s, %dx%d)", entity.id, entity.sizeBytes, entity.videoCodec,
                            entity.audioCodec, entity.width, entity.height);
                });
    }

    private Future<Received> stream(HttpServerRequest request, AsyncFile file, boolean multipart) {
        MessageDigest sha256 = sha256();
        DigestingFileSink sink = new DigestingFileSink(file, config.upload().maxSize(), List.of(sha256));
        if (!multipart) {
            return pipeBody(request, sink).map(size -> new Received(size, sha256.digest(), null));
        }
        Promise<Long> done = Promise.promise();
        Promise<String> filename = Promise.promise();
        AtomicBoolean seen = new AtomicBoolean();
        request.setExpectMultipart(true);
        request.uploadHandler(part -> {
            if (!"file".equals(part.name()) || !seen.compareAndSet(false, true)) {
                part.handler(ignored -> {
                });
                return;
            }
            filename.tryComplete(part.filename());
            part.pipeTo(sink).onComplete(result -> finish(result, sink, done));
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
        return done.future().map(size -> new Received(size, sha256.digest(), filename.future().result()));
    }

    private void finish(io.vertx.core.AsyncResult<Void> result, DigestingFileSink sink, Promise<Long> done) {
        bytesReceived.increment(sink.written());
        // The pipe has already ended (closed) the file, on success and on failure alike.
        if (sink.limitExceeded()) {
            done.tryFail(tooLarge());
        } else if (result.failed() && diskFull(result.cause())) {
            done.tryFail(insufficientStorage("The disk filled up during the upload; nothing was stored. Try again later."));
        } else if (result.failed()) {
            done.tryFail(new UploadAbortedException(result.cause()));
        } else {
            done.tryComplete(sink.written());
        }
    }

    /** 507: the storage cannot take the upload; {@code detail} says why. */
    public static ProblemException insufficientStorage(String detail) {
        return new ProblemException(507, "insufficient-storage", "Insufficient storage", detail);
    }

    private static boolean diskFull(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("No space left on device")) {
                return true;
            }
        }
        return false;
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
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

    private static InputContent toEntity(long size, byte[] sha256, String filename, String contentType, MediaInfo media,
            String storageName) {
        InputContent entity = new InputContent();
        entity.status = InputContent.Status.READY;
        entity.storageName = storageName;
        entity.originalFilename = FileNames.sanitize(filename);
        entity.contentType = contentType;
        entity.sizeBytes = size;
        entity.sha256 = HexFormat.of().formatHex(sha256);
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
