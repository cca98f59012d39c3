package io.vodpack.packaging;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import org.jboss.logging.Logger;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.packaging.queue.JobRunner;
import io.vodpack.upload.InputContent;
import io.vodpack.upload.InputContentRepository;

/** Creates, reads, cancels and deletes packaging jobs; the runner does the packaging. */
@ApplicationScoped
public class PackagingJobService {

    private static final Logger LOG = Logger.getLogger(PackagingJobService.class);

    private final PackagingJobRepository jobs;
    private final InputContentRepository inputs;
    private final JobRunner runner;
    private final VodpackConfig config;
    private final ContentStorage storage;
    private final Vertx vertx;
    private final io.vodpack.delivery.StreamRoutes streams;

    public PackagingJobService(PackagingJobRepository jobs, InputContentRepository inputs, JobRunner runner,
            VodpackConfig config, ContentStorage storage, Vertx vertx, io.vodpack.delivery.StreamRoutes streams) {
        this.streams = streams;
        this.jobs = jobs;
        this.inputs = inputs;
        this.runner = runner;
        this.config = config;
        this.storage = storage;
        this.vertx = vertx;
    }

    /** A created job, and whether it was an earlier job returned again for the same Idempotency-Key. */
    public record Created(PackagingJob job, boolean replayed) {
    }

    public Uni<Created> create(PackagingJobRequest request, String idempotencyKey, String baseUrl) {
        if (request == null || request.inputContentId() == null) {
            return Uni.createFrom().failure(ProblemException.badRequest("invalid-request",
                    "'input_content_id' is required: the id returned by POST /upload_input_content."));
        }
        ContentKey key = request.key() == null ? ContentKey.random() : ContentKey.parse("key", request.key());
        ContentKey kid = request.kid() == null ? ContentKey.random() : ContentKey.parse("kid", request.kid());
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 255)) {
            return Uni.createFrom().failure(ProblemException.badRequest("invalid-idempotency-key",
                    "Idempotency-Key must be 1 to 255 characters."));
        }
        String fingerprint = fingerprint(request);
        return Panache.withTransaction(() -> replay(idempotencyKey, fingerprint)
                .flatMap(existing -> existing != null ? Uni.createFrom().item(new Created(existing, true))
                        : insert(request.inputContentId(), key, kid, idempotencyKey, fingerprint, baseUrl)
                                .map(job -> new Created(job, false))))
                .onFailure(PackagingJobService::isUniqueViolation).recoverWithUni(
                        // Two requests with one Idempotency-Key raced; the first one's job is the answer.
                        () -> Panache.withSession(() -> replay(idempotencyKey, fingerprint))
                                .map(existing -> new Created(existing, true)))
                .invoke(created -> {
                    if (!created.replayed()) {
                        LOG.infof("Job %d queued for input %d", created.job().id, created.job().inputContentId);
                        runner.signal();
                    }
                });
    }

    private Uni<PackagingJob> replay(String idempotencyKey, String fingerprint) {
        if (idempotencyKey == null) {
            return Uni.createFrom().nullItem();
        }
        return jobs.findByIdempotencyKey(idempotencyKey).invoke(existing -> {
            if (existing != null && !fingerprint.equals(existing.requestFingerprint)) {
                throw new ProblemException(422, "idempotency-key-reused", "Idempotency-Key reused",
                        "Idempotency-Key '" + idempotencyKey + "' was used for job " + existing.id
                                + " with a different body; use a new key for a different request.");
            }
        });
    }

    private Uni<PackagingJob> insert(long inputId, ContentKey key, ContentKey kid, String idempotencyKey,
            String fingerprint, String baseUrl) {
        // FOR SHARE on the input: a concurrent DELETE of the input waits for this transaction and then sees the job.
        return inputs.findById(inputId, LockModeType.PESSIMISTIC_READ)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("No input content with id " + inputId + "."))
                .flatMap(input -> {
                    if (input.status != InputContent.Status.READY) {
                        throw ProblemException.conflict("input-not-ready",
                                "Input content " + inputId + " is " + input.status + " and cannot be packaged.");
                    }
                    PackagingJob job = new PackagingJob();
                    job.inputContentId = inputId;
                    job.status = PackagingJob.Status.QUEUED;
                    job.engine = config.packaging().engine();
                    job.keyHex = key.hex();
                    job.kidHex = kid.hex();
                    job.keyText = key.text();
                    job.kidText = kid.text();
                    job.idempotencyKey = idempotencyKey;
                    job.requestFingerprint = fingerprint;
                    job.baseUrl = baseUrl;
                    job.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
                    return jobs.persist(job);
                });
    }

    public Uni<PackagingJob> get(long id) {
        return Panache.withSession(() -> jobs.findById(id))
                .onItem().ifNull().failWith(() -> ProblemException.notFound("No packaged content with id " + id + "."));
    }

    public Uni<List<PackagingJob>> list(PackagingJob.Status status, int page, int size) {
        return Panache.withSession(() -> jobs.newestFirst(status, page, size));
    }

    /**
     * Cancels a queued or running job (its engine is killed; the row stays, CANCELLED), or deletes a
     * finished job together with its published output. Returns the job as it was found.
     */
    public Uni<Removal> cancelOrDelete(long id) {
        return Panache.withTransaction(() -> jobs.findById(id, LockModeType.PESSIMISTIC_WRITE)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("No packaged content with id " + id + "."))
                .flatMap(job -> {
                    if (job.status.finished()) {
                        return jobs.delete(job).replaceWith(new Removal(job, false));
                    }
                    job.status = PackagingJob.Status.CANCELLED;
                    job.errorDetail = "cancelled by a DELETE request";
                    job.finishedAt = OffsetDateTime.now(ZoneOffset.UTC);
                    job.leaseOwner = null;
                    job.leaseExpiresAt = null;
                    return Uni.createFrom().item(new Removal(job, true));
                }))
                .call(removal -> {
                    if (removal.cancelled()) {
                        runner.cancelLocal(id);
                    }
                    streams.evict(id);
                    // Blocking deletion of the published folder on a worker thread.
                    return Uni.createFrom().completionStage(vertx.executeBlocking(() -> {
                        ContentStorage.deleteRecursively(storage.publishedFolder(id));
                        return null;
                    }, false).toCompletionStage());
                });
    }

    /** What a DELETE did: cancelled an unfinished job, or deleted a finished one. */
    public record Removal(PackagingJob job, boolean cancelled) {
    }

    private static boolean isUniqueViolation(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof org.hibernate.exception.ConstraintViolationException
                    || (t.getMessage() != null && t.getMessage().contains("23505"))) {
                return true;
            }
        }
        return false;
    }

    private static String fingerprint(PackagingJobRequest request) {
        String canonical = request.inputContentId() + "|" + request.key() + "|" + request.kid();
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
