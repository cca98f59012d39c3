package io.vodpack.packaging;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;

import org.jboss.logging.Logger;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vodpack.access.Caller;
import io.vodpack.core.async.Async;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.core.storage.ContentStore;
import io.vodpack.packaging.engine.PackagingRequest;
import io.vodpack.packaging.engine.ShakaPackager;
import io.vodpack.packaging.queue.JobQueue;
import io.vodpack.packaging.transcode.Ladder;
import io.vodpack.packaging.worker.ClaimLoop;

/**
 * Creates, reads, cancels and deletes packaging jobs for the API; {@link JobQueue} makes every status change and
 * the workers do the packaging.
 */
@ApplicationScoped
public class PackagingJobService {

    private static final Logger LOG = Logger.getLogger(PackagingJobService.class);

    private final PackagingJobRepository jobs;
    private final JobQueue queue;
    private final ClaimLoop workers;
    private final VodpackConfig config;
    private final ContentStorage storage;
    private final ContentStore store;
    private final Async async;
    private final Event<ContentRemoved> removals;
    private final Caller caller;

    public PackagingJobService(PackagingJobRepository jobs, JobQueue queue, ClaimLoop workers, VodpackConfig config,
            ContentStorage storage, ContentStore store, Async async, Event<ContentRemoved> removals, Caller caller) {
        this.caller = caller;
        this.jobs = jobs;
        this.queue = queue;
        this.workers = workers;
        this.config = config;
        this.storage = storage;
        this.store = store;
        this.async = async;
        this.removals = removals;
    }

    /** A created job, and whether it was an earlier job returned again for the same Idempotency-Key. */
    public record Created(PackagingJob job, boolean replayed) {
    }

    public Uni<Created> create(PackagingJobRequest request, String idempotencyKey) {
        if (request == null || request.inputContentId() == null) {
            return Uni.createFrom().failure(ProblemException.badRequest("invalid-request",
                    "'input_content_id' is required: the id returned by POST /upload_input_content."));
        }
        Ladder ladder = Ladder.parse(request.ladder());
        List<PackagingRequest.TrackKey> labelled = labelledKeys(request, ladder);
        // With separate keys, the job's own pair is the SD pair.
        ContentKey key = !labelled.isEmpty() ? labelled.get(1).key()
                : request.key() == null ? ContentKey.random() : ContentKey.parse("key", request.key());
        ContentKey kid = !labelled.isEmpty() ? labelled.get(1).kid()
                : request.kid() == null ? ContentKey.random() : ContentKey.parse("kid", request.kid());
        if (key.equals(kid)) {
            return Uni.createFrom().failure(ProblemException.badRequest("key-equals-kid",
                    "'key' and 'kid' must differ: the KID is public (it is in the MPD and every segment), the key is secret."));
        }
        if (!ladder.none() && !ShakaPackager.NAME.equals(config.packaging().engine())) {
            return Uni.createFrom().failure(ProblemException.conflict("ladder-needs-shaka", "This service packages with '"
                    + config.packaging().engine() + "', which cannot package a ladder; only 'shaka' can"
                    + " (vodpack.packaging.engine). Send \"ladder\": \"none\" to package the input as it is."));
        }
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 255)) {
            return Uni.createFrom().failure(ProblemException.badRequest("invalid-idempotency-key",
                    "Idempotency-Key must be 1 to 255 characters."));
        }
        String fingerprint = fingerprint(request, ladder);
        String owner = caller.owner();
        String ownerFilter = caller.ownerFilter();
        return Panache.withTransaction(() -> replay(owner, idempotencyKey, fingerprint)
                .flatMap(existing -> existing != null ? Uni.createFrom().item(new Created(existing, true))
                        : insert(request.inputContentId(), key, kid, ladder, labelled, idempotencyKey, fingerprint,
                                ownerFilter)
                                .map(job -> new Created(job, false))))
                .onFailure(PackagingJobService::isUniqueViolation).recoverWithUni(
                        // Two requests with one Idempotency-Key raced; the first one's job is the answer.
                        () -> Panache.withSession(() -> replay(owner, idempotencyKey, fingerprint))
                                .map(existing -> new Created(existing, true)))
                .invoke(created -> {
                    if (!created.replayed()) {
                        LOG.infof("Job %d queued for input %d", created.job().id, created.job().inputContentId);
                        workers.signal();
                    }
                });
    }

    /**
     * The AUDIO, SD and HD pairs of a ladder with separate keys (in that order), each generated when omitted; empty
     * without {@code keys}. 400 when {@code keys} comes without a ladder or beside {@code key}/{@code kid}, when a
     * key equals its KID, or when two labels share a KID.
     */
    private static List<PackagingRequest.TrackKey> labelledKeys(PackagingJobRequest request, Ladder ladder) {
        PackagingJobRequest.LadderKeys keys = request.keys();
        if (keys == null) {
            return List.of();
        }
        if (ladder.none()) {
            throw ProblemException.badRequest("keys-need-ladder", "'keys' (separate AUDIO, SD and HD keys) needs a ladder;"
                    + " without one, send 'key' and 'kid'.");
        }
        if (request.key() != null || request.kid() != null) {
            throw ProblemException.badRequest("keys-and-key", "Send either 'key' and 'kid' (one key for every track) or"
                    + " 'keys' (separate AUDIO, SD and HD keys), not both.");
        }
        List<PackagingRequest.TrackKey> pairs = List.of(pair(Ladder.AUDIO_LABEL, "keys.audio", keys.audio()),
                pair(Ladder.SD_LABEL, "keys.sd", keys.sd()), pair(Ladder.HD_LABEL, "keys.hd", keys.hd()));
        if (pairs.stream().map(PackagingRequest.TrackKey::kid).distinct().count() < pairs.size()) {
            throw ProblemException.badRequest("kid-reused", "AUDIO, SD and HD need three different KIDs.");
        }
        if (pairs.stream().map(PackagingRequest.TrackKey::key).distinct().count() < pairs.size()) {
            throw ProblemException.badRequest("key-reused", "AUDIO, SD and HD need three different keys: separate keys"
                    + " that are equal protect nothing separately.");
        }
        Set<ContentKey> kids = pairs.stream().map(PackagingRequest.TrackKey::kid).collect(Collectors.toSet());
        if (pairs.stream().anyMatch(pair -> kids.contains(pair.key()))) {
            throw ProblemException.badRequest("key-equals-kid", "A key in 'keys' is also one of the KIDs: KIDs are"
                    + " public (in the MPD and every segment), keys are secret.");
        }
        return pairs;
    }

    private static PackagingRequest.TrackKey pair(String label, String field, PackagingJobRequest.KeyPair given) {
        ContentKey key = given == null || given.key() == null ? ContentKey.random() : ContentKey.parse(field + ".key", given.key());
        ContentKey kid = given == null || given.kid() == null ? ContentKey.random() : ContentKey.parse(field + ".kid", given.kid());
        if (key.equals(kid)) {
            throw ProblemException.badRequest("key-equals-kid", "'" + field + "': key and kid must differ: the KID is public,"
                    + " the key is secret.");
        }
        return new PackagingRequest.TrackKey(label, kid, key);
    }

    private Uni<PackagingJob> replay(String owner, String idempotencyKey, String fingerprint) {
        if (idempotencyKey == null) {
            return Uni.createFrom().nullItem();
        }
        return jobs.findByIdempotencyKey(owner, idempotencyKey).invoke(existing -> {
            if (existing != null && !fingerprint.equals(existing.requestFingerprint)) {
                throw new ProblemException(422, "idempotency-key-reused", "Idempotency-Key reused",
                        "Idempotency-Key '" + idempotencyKey + "' was used for job " + existing.id
                                + " with a different body; use a new key for a different request.");
            }
        });
    }

    private Uni<PackagingJob> insert(long inputId, ContentKey key, ContentKey kid, Ladder ladder,
            List<PackagingRequest.TrackKey> labelled, String idempotencyKey, String fingerprint, String ownerFilter) {
        PackagingJob job = new PackagingJob();
        job.inputContentId = inputId;
        job.engine = config.packaging().engine();
        job.keyHex = key.hex();
        job.kidHex = kid.hex();
        job.keyText = key.text();
        job.kidText = kid.text();
        job.idempotencyKey = idempotencyKey;
        job.requestFingerprint = fingerprint;
        return queue.enqueue(job, ownerFilter, ladder, labelled);
    }

    /** The caller's job; 404 when unknown or another owner's. */
    public Uni<PackagingJob> get(long id) {
        return get(id, caller.ownerFilter());
    }

    private Uni<PackagingJob> get(long id, String owner) {
        return Panache.withSession(() -> jobs.findOwned(id, owner))
                .onItem().ifNull().failWith(() -> notFound(id));
    }

    public Uni<List<PackagingJob>> list(PackagingJob.Status status, int page, int size) {
        String owner = caller.ownerFilter();
        return Panache.withSession(() -> jobs.newestFirst(owner, status, page, size));
    }

    /**
     * Cancels a queued or running job (its engine is killed; the row stays, CANCELLED), or deletes a
     * finished job together with its published output. A job that is neither was deleted meanwhile: 404.
     */
    public Uni<Removal> cancelOrDelete(long id) {
        String owner = caller.ownerFilter();
        return get(id, owner).flatMap(owned -> cancelOrDeleteOwned(id, owner));
    }

    private Uni<Removal> cancelOrDeleteOwned(long id, String owner) {
        return queue.cancel(id, "cancelled by a DELETE request").flatMap(cancelled -> cancelled
                ? removed(id, null).chain(() -> get(id, owner)).map(job -> new Removal(job, true))
                : queue.delete(id).flatMap(deletion -> {
                    if (!deletion.deleted()) {
                        return Uni.createFrom().failure(notFound(id));
                    }
                    return removed(id, deletion.outputFolder()).replaceWith(new Removal(null, false));
                }));
    }

    /**
     * Tells the observers (a local engine stops, delivery forgets the stream), then deletes the ladder's renditions and
     * the published folder, if any: a cancelled job has none live (its attempt removes its own output when its DONE is
     * refused).
     */
    private Uni<Void> removed(long id, String outputFolder) {
        removals.fire(new ContentRemoved(id));
        return async.blocking(() -> {
            if (outputFolder != null) {
                deleteOrLeaveToTheSweeper(() -> store.deletePublished(outputFolder), "published folder " + outputFolder);
            }
            // A ladder's renditions are of no use once its job ended (the sweeper catches one written after this).
            deleteOrLeaveToTheSweeper(() -> store.deleteRenditions(id), "renditions of job " + id);
        });
    }

    /**
     * The row is gone, so the content is: objects the storage could not delete now are no row's, and the packaging
     * sweeper removes them later (docs/storage.md).
     */
    private static void deleteOrLeaveToTheSweeper(Async.BlockingAction delete, String what) {
        try {
            delete.run();
        } catch (Exception e) {
            LOG.warnf("Could not delete the %s now (%s); the sweeper removes it", what, e.getMessage());
        }
    }

    private static ProblemException notFound(long id) {
        return ProblemException.notFound("No packaged content with id " + id + ".");
    }

    /** What a DELETE did: cancelled an unfinished job (shown as it is now), or deleted a finished one. */
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

    private static String canonical(PackagingJobRequest.KeyPair pair) {
        return pair == null ? "-" : pair.key() + "/" + pair.kid();
    }

    private static String fingerprint(PackagingJobRequest request, Ladder ladder) {
        // Requests without a ladder keep the fingerprint they had before ladders existed.
        PackagingJobRequest.LadderKeys keys = request.keys();
        String canonical = request.inputContentId() + "|" + request.key() + "|" + request.kid()
                + (ladder.none() ? "" : "|" + ladder.canonical())
                + (keys == null ? "" : "|" + canonical(keys.audio()) + "|" + canonical(keys.sd()) + "|" + canonical(keys.hd()));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
