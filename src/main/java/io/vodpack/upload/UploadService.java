package io.vodpack.upload;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vodpack.access.Caller;
import io.vodpack.core.async.Async;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.storage.StorageUnavailableException;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.core.storage.ContentStore;
import io.vodpack.core.storage.ObjectParts;
import io.vodpack.upload.ingest.BodyPipe;
import io.vodpack.upload.ingest.BodyTarget;
import io.vodpack.upload.ingest.Digests;
import io.vodpack.upload.ingest.DigestingSink;
import io.vodpack.upload.ingest.FileTarget;
import io.vodpack.upload.ingest.InputStore;
import io.vodpack.upload.ingest.BucketTarget;
import io.vodpack.upload.ingest.PartTarget;
import io.vodpack.upload.ingest.PutTarget;
import io.vodpack.upload.ingest.ReceivedFile;
import io.vodpack.upload.ingest.ReceivedObject;
import io.vodpack.upload.ingest.UploadLimits;
import io.vodpack.upload.ingest.UploadMetrics;
import io.vodpack.upload.ingest.OwnerQuota;
import io.vodpack.upload.ingest.UploadSlots;

/**
 * Receives a single-request upload: streams the body (raw or multipart) to a partial file, or part by part to the
 * bucket, while hashing it, then hands it to the store step. Any failure removes what was written.
 */
@ApplicationScoped
public class UploadService {

    /** When a client may try again after the storage failed to keep an upload. */
    private static final java.time.Duration STORAGE_RETRY_AFTER = java.time.Duration.ofSeconds(10);

    private final Vertx vertx;
    private final ContentStorage storage;
    private final UploadLimits limits;
    private final BodyPipe pipe;
    private final InputStore store;
    private final UploadMetrics metrics;
    private final UploadSlots slots;
    private final Caller caller;
    private final OwnerQuota quota;
    private final ContentStore contents;
    private final Async async;

    public UploadService(Vertx vertx, ContentStorage storage, UploadLimits limits, BodyPipe pipe, InputStore store,
            UploadMetrics metrics, UploadSlots slots, Caller caller, OwnerQuota quota, ContentStore contents, Async async) {
        this.contents = contents;
        this.async = async;
        this.caller = caller;
        this.quota = quota;
        this.vertx = vertx;
        this.storage = storage;
        this.limits = limits;
        this.pipe = pipe;
        this.store = store;
        this.metrics = metrics;
        this.slots = slots;
    }

    private record Received(long size, byte[] sha256, String filename) {
    }

    /**
     * Streams the (paused) request body to disk and turns it into a stored input. Runs on the request's event
     * loop except the free-space check and the MP4 inspection, which run on worker threads. The work is
     * detached: when the client disconnects, Quarkus REST cancels the answer, but the cleanup still runs. It holds
     * one of the instance's upload slots until it ends (503 when none is free).
     */
    public Uni<InputContent> receive(HttpServerRequest request, IncomingUpload upload) {
        String owner = caller.owner();
        String keyHolder = caller.keyHolder();
        long declared = declaredLength(request);
        Optional<ObjectParts> bucket = contents.objectParts();
        if (bucket.isPresent()) {
            return Async.detached(slots.within(keyHolder, () -> receiveIntoBucket(request, upload, owner, declared, bucket.get())));
        }
        Path part = storage.newIncomingFile();
        Uni<Received> received = quota.requireRoom(owner, declared)
                .onFailure().invoke(() -> metrics.rejected("storage-quota-exceeded"))
                .chain(() -> limits.requireFreeSpace(0))
                .onFailure().invoke(() -> metrics.rejected("insufficient-storage"))
                .flatMap(free -> Async.await(pipe.open(() -> FileTarget.create(part))
                        .compose(target -> stream(request, target, upload.multipart()))
                        .compose(body -> checkBody(body, upload)))
                        .onFailure().call(failure -> {
                            metrics.ended(failure);
                            return Async.await(vertx.fileSystem().delete(part.toString()).otherwiseEmpty());
                        }));
        Uni<InputContent> stored = received.flatMap(body -> store.store(new ReceivedFile(part, body.size(), body.sha256(),
                body.filename() != null ? body.filename() : upload.filename(), upload.contentType(), owner)))
                // the store step hands the file back when the row cannot be written; nobody can resume this upload
                .onFailure().call(() -> Async.await(vertx.fileSystem().delete(part.toString()).otherwiseEmpty()))
                .onFailure(StorageUnavailableException.class).transform(failure -> ProblemException.serviceUnavailable(
                        "storage-unavailable", "The upload arrived but the storage could not keep it; nothing was stored."
                                + " Try again later.", STORAGE_RETRY_AFTER));
        return Async.detached(slots.within(keyHolder, () -> stored));
    }

    /**
     * The body goes straight to the bucket as {@code inputs/<uuid>.mp4} (no local copy): one PUT when its length is
     * known, else the parts of a multipart upload. When it has ended and its digest matches, the object is finished,
     * checked by ranged reads, and only then recorded. Any failure before the row leaves no object and no open
     * multipart upload: the PUT is reset, the upload aborted or the object deleted at once.
     */
    private Uni<InputContent> receiveIntoBucket(HttpServerRequest request, IncomingUpload upload, String owner,
            long declared, ObjectParts bucket) {
        String name = UUID.randomUUID() + ".mp4";
        String key = ObjectParts.inputKey(name);
        // a body of known length is one PUT; a multipart form or a chunked body goes in parts
        BucketTarget target = !upload.multipart() && declared > 0 && declared <= ObjectParts.SINGLE_PUT_MAX
                ? new PutTarget(bucket, key, declared) : PartTarget.of(bucket, key);
        AtomicBoolean written = new AtomicBoolean();
        Uni<Received> received = quota.requireRoom(owner, declared)
                .onFailure().invoke(() -> metrics.rejected("storage-quota-exceeded"))
                .flatMap(room -> Async.await(stream(request, target, upload.multipart())
                        .compose(body -> checkBody(body, upload))))
                // worker thread: the last part and the completion (or one PUT for a small body)
                .call(body -> async.blocking(target::finish).invoke(() -> written.set(true)))
                .onFailure().call(failure -> {
                    metrics.ended(failure);
                    return async.blocking(target::abort).onFailure().recoverWithNull();
                });
        Uni<InputContent> stored = received
                .flatMap(body -> store.store(new ReceivedObject(name, body.size(), body.sha256(),
                        body.filename() != null ? body.filename() : upload.filename(), upload.contentType(), owner)))
                // a row that cannot be written: nobody can resume this upload, its object goes
                .onFailure(failure -> written.get() && !(failure instanceof ProblemException))
                .call(() -> Async.stage(() -> bucket.delete(key)).onFailure().recoverWithNull());
        return stored.onFailure(StorageUnavailableException.class).transform(failure -> ProblemException.serviceUnavailable(
                "storage-unavailable", "The upload arrived but the storage could not keep it; nothing was stored."
                        + " Try again later.", STORAGE_RETRY_AFTER));
    }

    /** The body's declared Content-Length, or 0 when it is chunked or not a number. */
    private static long declaredLength(HttpServerRequest request) {
        try {
            String length = request.getHeader("Content-Length");
            return length == null ? 0 : Math.max(0, Long.parseLong(length.strip()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private Future<Received> stream(HttpServerRequest request, BodyTarget target, boolean multipart) {
        MessageDigest sha256 = Digests.sha256();
        DigestingSink sink = pipe.sink(target, limits.maxSize(), List.of(sha256));
        if (!multipart) {
            return pipe.pipe(request, sink).map(size -> new Received(size, sha256.digest(), null));
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
            pipe.pipe(part, sink).onComplete(result -> {
                if (result.succeeded()) {
                    done.tryComplete(result.result());
                } else {
                    done.tryFail(result.cause());
                }
            });
        });
        // once the file part is piped, its pipe reports the failure, after the sink's last write: failing earlier
        // would let the caller abort the target while a write is still under way
        request.exceptionHandler(failure -> {
            if (!seen.get()) {
                done.tryFail(failure);
            }
        });
        request.endHandler(v -> {
            if (!seen.get()) {
                sink.end();
                done.tryFail(ProblemException.badRequest("missing-file-part",
                        "The multipart body has no part named 'file'; send the video as -F file=@trailer.mp4."));
            }
        });
        request.resume();
        return done.future().map(size -> new Received(size, sha256.digest(), filename.future().result()));
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
}
