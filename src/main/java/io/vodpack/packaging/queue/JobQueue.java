package io.vodpack.packaging.queue;

import static io.vodpack.packaging.PackagingJob.Status.CANCELLED;
import static io.vodpack.packaging.PackagingJob.Status.DONE;
import static io.vodpack.packaging.PackagingJob.Status.FAILED;
import static io.vodpack.packaging.PackagingJob.Status.QUEUED;
import static io.vodpack.packaging.PackagingJob.Status.RUNNING;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import org.hibernate.reactive.mutiny.Mutiny;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vodpack.core.db.SqlNames;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.error.ProblemException;
import io.vodpack.packaging.ContentKey;
import io.vodpack.packaging.PackagingJob;
import io.vodpack.packaging.PackagingJob.Kind;
import io.vodpack.packaging.PackagingJob.Status;
import io.vodpack.packaging.engine.PackagingRequest;
import io.vodpack.packaging.transcode.Ffmpeg;
import io.vodpack.packaging.transcode.Ladder;
import io.vodpack.packaging.PackagingJobRepository;
import io.vodpack.upload.InputContent;
import io.vodpack.upload.InputContentRepository;

/**
 * The packaging job's state machine: every change of a job's status is made here and nowhere else, each
 * write guarded by the statuses {@link Status#canMoveTo} allows (and by the lease owner where a worker
 * acts), so replicas sharing the database never run a job twice and a late worker never overwrites a
 * cancel. A method returns false (or nothing) when its guard refused the change.
 *
 * <pre>
 * from              to         method          who                               guard
 * ----------------  ---------  --------------  --------------------------------  ---------------------------------
 * (new)             QUEUED     enqueue         POST /packaged_content            input READY, locked FOR SHARE
 * QUEUED            RUNNING    claim           a worker with capacity            oldest, FOR UPDATE SKIP LOCKED,
 *                                                                                     every rendition of it DONE
 * RUNNING           RUNNING    renew           the worker, every lease/3         status, lease owner
 * RUNNING           DONE       complete        the worker, output published      status, lease owner
 * RUNNING           FAILED     fail            the worker, attempt failed        status, lease owner
 * QUEUED            FAILED     fail            (its rendition failed for good)   status (the ladder's PACKAGE job)
 * RUNNING           QUEUED     release         the worker, shutting down         status, lease owner
 * RUNNING           QUEUED     retryLater      the worker, disk full / transient status, lease owner
 * RUNNING           QUEUED     reclaimExpired  the sweeper, attempts left        status, lease expired
 * RUNNING           FAILED     reclaimExpired  the sweeper, attempts used up     status, lease expired
 * QUEUED, RUNNING   CANCELLED  cancel          DELETE /packaged_content/{id}     status (and its renditions')
 * QUEUED, RUNNING   CANCELLED  fail            (a sibling rendition failed)      status
 * DONE, FAILED,     (deleted)  delete          DELETE /packaged_content/{id}     status
 *   CANCELLED
 * </pre>
 *
 * {@link #enqueue} joins the caller's Hibernate Reactive transaction (the idempotency check and the input
 * lock belong to it); every other change is one SQL statement on the reactive pool, which any thread may call.
 * A lease owner is unique to one attempt ({@link #claim}), so "lease owner" in a guard means "this attempt".
 * A ladder is one PACKAGE job and its TRANSCODE jobs (one per rendition, {@code parent_id} naming the PACKAGE job):
 * the PACKAGE job is claimed only once every rendition is DONE, fails when one fails for good (the others are
 * cancelled in the same statement), and cancelling it cancels them.
 */
@ApplicationScoped
public class JobQueue {

    private static final SecureRandom RANDOM = new SecureRandom();
    /** The share of a ladder's progress figure its transcodes make up; packaging makes the rest. */
    public static final int TRANSCODE_SHARE = 90;

    private final Pool pool;
    private final PackagingJobRepository jobs;
    private final InputContentRepository inputs;
    private final String table;
    private final String inputTable;
    private final String keyTable;
    private final String jobKeyTable;
    private final VodpackConfig config;

    public JobQueue(Pool pool, PackagingJobRepository jobs, InputContentRepository inputs, VodpackConfig config,
            @ConfigProperty(name = "db.schema") String schema) {
        this.config = config;
        this.keyTable = SqlNames.table(schema, "content_key");
        this.jobKeyTable = SqlNames.table(schema, "packaging_job_key");
        this.pool = pool;
        this.jobs = jobs;
        this.inputs = inputs;
        this.table = SqlNames.table(schema, "packaging_job");
        this.inputTable = SqlNames.table(schema, "input_content");
    }

    /**
     * (new) -> QUEUED, inside the caller's transaction, for an input {@code ownerFilter} may see (null: any);
     * the job belongs to the input's owner. The input is locked {@code FOR SHARE}: a concurrent
     * delete of the input waits for this transaction and then sees the job. Refused with 429 while the queue, or the
     * owner's part of it, has no room for the job and its renditions ({@link #checkQueueRoom}; enqueues take turns on
     * a transaction lock, so the bounds hold across replicas), and with 409 when the job's KID is bound to another key.
     * The ladder's rungs are chosen from the input's picture height as decoded (see {@code Mp4Inspector}).
     */
    public Uni<PackagingJob> enqueue(PackagingJob job, String ownerFilter, Ladder ladder,
            List<PackagingRequest.TrackKey> labelledKeys) {
        return inputs.findOwned(job.inputContentId, ownerFilter, LockModeType.PESSIMISTIC_READ)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("No input content with id " + job.inputContentId + "."))
                .flatMap(input -> {
                    if (input.status != InputContent.Status.READY) {
                        throw ProblemException.conflict("input-not-ready",
                                "Input content " + input.id + " is " + input.status + " and cannot be packaged.");
                    }
                    // the job belongs to the input's owner (an admin may package any owner's input)
                    job.owner = input.owner;
                    List<Ladder.Rung> rungs = ladder.fitting(input.height);
                    return Panache.getSession().flatMap(session -> checkQueueRoom(session, job.owner, queuedRows(rungs))
                            .chain(() -> bindKey(session, job.kid(), job.key()))
                            .chain(() -> bindKeys(session, labelledKeys)))
                            .replaceWith(rungs);
                })
                .flatMap(rungs -> {
                    job.status = QUEUED;
                    job.kind = Kind.PACKAGE;
                    job.ladder = ladder.none() ? null : ladder.name();
                    job.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
                    return jobs.persistAndFlush(job).chain(() -> storeKeys(job, labelledKeys))
                            .chain(() -> enqueueRenditions(job, rungs, !labelledKeys.isEmpty())).replaceWith(job);
                });
    }

    private Uni<Void> bindKeys(Mutiny.Session session, List<PackagingRequest.TrackKey> labelledKeys) {
        Uni<Void> all = Uni.createFrom().voidItem();
        for (PackagingRequest.TrackKey pair : labelledKeys) {
            all = all.chain(() -> bindKey(session, pair.kid(), pair.key()));
        }
        return all;
    }

    /** A ladder's separate keys, one row per DRM label, in the job's transaction. */
    private Uni<Void> storeKeys(PackagingJob job, List<PackagingRequest.TrackKey> labelledKeys) {
        job.labelledKeys = labelledKeys.stream()
                .map(k -> new PackagingJob.LabelledKey(k.label(), k.kid().text(), k.key().text())).toList();
        Uni<Void> all = Uni.createFrom().voidItem();
        for (PackagingRequest.TrackKey pair : labelledKeys) {
            all = all.chain(() -> Panache.getSession()).chain(session -> session.createNativeQuery("INSERT INTO "
                    + jobKeyTable + " (packaging_job_id, label, kid_hex, key_hex, kid_text, key_text)"
                    + " VALUES (:job, :label, :kid, :key, :kidText, :keyText)").setParameter("job", job.id)
                    .setParameter("label", pair.label()).setParameter("kid", pair.kid().hex())
                    .setParameter("key", pair.key().hex()).setParameter("kidText", pair.kid().text())
                    .setParameter("keyText", pair.key().text()).executeUpdate()).replaceWithVoid();
        }
        return all;
    }

    /**
     * (new) -> QUEUED: one TRANSCODE job per rung, tallest first, then the audio; none without a ladder. With
     * {@code separateKeys} each is labelled AUDIO, SD or HD, else all share the job's one key.
     */
    private Uni<Void> enqueueRenditions(PackagingJob parent, List<Ladder.Rung> rungs, boolean separateKeys) {
        if (rungs.isEmpty()) {
            parent.renditions = List.of();
            return Uni.createFrom().voidItem();
        }
        List<PackagingJob> renditions = new ArrayList<>();
        for (Ladder.Rung rung : rungs) {
            renditions.add(rendition(parent, rung.name(), rung.height(), rung.videoBitrate(),
                    separateKeys ? rung.drmLabel() : PackagingRequest.SINGLE_KEY_LABEL));
        }
        renditions.add(rendition(parent, Ffmpeg.AUDIO, null, null,
                separateKeys ? Ladder.AUDIO_LABEL : PackagingRequest.SINGLE_KEY_LABEL));
        parent.renditions = renditions;
        return jobs.persist(renditions.stream()).chain(() -> Panache.getSession()).chain(Mutiny.Session::flush);
    }

    private static PackagingJob rendition(PackagingJob parent, String name, Integer height, Integer bitrate,
            String drmLabel) {
        PackagingJob job = new PackagingJob();
        job.kind = Kind.TRANSCODE;
        job.parentId = parent.id;
        job.inputContentId = parent.inputContentId;
        job.owner = parent.owner;
        job.engine = "ffmpeg";
        job.rendition = name;
        job.renditionHeight = height;
        job.renditionBitrate = bitrate;
        job.drmLabel = drmLabel;
        job.status = QUEUED;
        job.createdAt = parent.createdAt;
        return job;
    }

    /**
     * The queue rows a new job adds: itself, and with a ladder one rendition per rung and the audio. Every row is work a
     * worker runs, so each counts against the queue bounds: a ladder never lets one owner queue more work than
     * {@code owner-max-queued-jobs} plain jobs would.
     */
    static int queuedRows(List<Ladder.Rung> rungs) {
        return rungs.isEmpty() ? 1 : 1 + rungs.size() + 1;
    }

    /**
     * Whether the queue has room for {@code rows} more waiting jobs, counting every waiting row (packaging jobs and
     * renditions) of the whole queue and of {@code owner}: 429 with Retry-After when it has none now, 422 when the job
     * alone is more than a bound allows (it would never fit).
     */
    private Uni<Void> checkQueueRoom(Mutiny.Session session, String owner, int rows) {
        int max = config.packaging().maxQueuedJobs();
        int maxForOwner = config.security().ownerMaxQueuedJobs();
        long retryAfter = Math.max(1, config.packaging().retryBackoff().toSeconds());
        if (rows > Math.min(max, maxForOwner)) {
            return Uni.createFrom().failure(new ProblemException(422, "ladder-above-queue-limit", "The ladder never fits the queue",
                    "This ladder queues " + rows + " jobs (one per rendition, the audio and the packaging), more than "
                            + (rows > maxForOwner ? "one owner may queue (vodpack.security.owner-max-queued-jobs = " + maxForOwner
                                    : "this service queues (vodpack.packaging.max-queued-jobs = " + max)
                            + "). Send a ladder with fewer rungs."));
        }
        return session.createNativeQuery("SELECT pg_advisory_xact_lock(hashtext(:name))::text")
                .setParameter("name", table + " enqueue").getSingleResult()
                // One round trip for both bounds: the whole queue and this owner's part of it.
                .chain(() -> session.createNativeQuery("SELECT count(*), count(*) FILTER (WHERE owner = :owner) FROM " + table
                        + " WHERE status = '" + QUEUED + "'", Object[].class).setParameter("owner", owner).getSingleResult())
                .invoke(counts -> {
                    long queued = ((Number) counts[0]).longValue();
                    long queuedForOwner = ((Number) counts[1]).longValue();
                    if (queued + rows > max) {
                        throw ProblemException.tooManyRequests("queue-full", queued + " jobs (packaging jobs and renditions)"
                                + " are waiting; " + rows + " more would pass the most this service queues"
                                + " (vodpack.packaging.max-queued-jobs = " + max + "); try again later.", retryAfter);
                    }
                    if (queuedForOwner + rows > maxForOwner) {
                        throw ProblemException.tooManyRequests("owner-queue-full", "Owner '" + owner + "' has " + queuedForOwner
                                + " jobs (packaging jobs and renditions) waiting; " + rows + " more would pass the most one"
                                + " owner may queue (vodpack.security.owner-max-queued-jobs = " + maxForOwner + "); try again later.",
                                retryAfter);
                    }
                })
                .replaceWithVoid();
    }

    /**
     * Binds {@code kid} to {@code key} on first use; a KID already bound to another key is refused with 409. The
     * {@code content_key} table and the foreign key from {@code packaging_job} hold the rule in the database too.
     */
    private Uni<Void> bindKey(Mutiny.Session session, ContentKey kid, ContentKey key) {
        return session.createNativeQuery("INSERT INTO " + keyTable + " (kid_hex, key_hex) VALUES (:kid, :key)"
                + " ON CONFLICT (kid_hex) DO NOTHING").setParameter("kid", kid.hex()).setParameter("key", key.hex())
                .executeUpdate()
                .chain(() -> session.createNativeQuery("SELECT key_hex::text FROM " + keyTable + " WHERE kid_hex = :kid",
                        String.class).setParameter("kid", kid.hex()).getSingleResult())
                .invoke(boundKey -> {
                    if (!boundKey.equals(key.hex())) {
                        throw ProblemException.conflict("kid-in-use", "This KID is already used with another key;"
                                + " one KID has one key. Send the same key, or a new KID (or none, to get a random one).");
                    }
                })
                .replaceWithVoid();
    }

    /**
     * QUEUED -> RUNNING: claims the oldest queued job that is not waiting (see {@link #retryLater}) and whose
     * renditions, if any, are all DONE, for an attempt of {@code instance}, or nothing when there is none. The lease
     * owner written in the row is unique to this attempt. A ladder's packaging starts at 90 % progress: the
     * transcodes made the first 90.
     */
    public Uni<Optional<ClaimedJob>> claim(String instance, Duration lease) {
        String token = HexFormat.of().formatHex(randomBytes(6));
        String owner = instance + "#" + token;
        String sql = "UPDATE " + table + " j SET " + set(RUNNING) + ", lease_owner = $1,"
                + " lease_expires_at = now() + make_interval(secs => $2), attempts = j.attempts + 1,"
                + " started_at = now(), progress = CASE WHEN j.ladder IS NULL THEN 0 ELSE " + TRANSCODE_SHARE + " END,"
                + " not_before = NULL"
                + " FROM " + inputTable + " i"
                + " WHERE j.id = (SELECT q.id FROM " + table + " q WHERE q." + from(RUNNING)
                + " AND (q.not_before IS NULL OR q.not_before <= now())"
                + " AND NOT EXISTS (SELECT 1 FROM " + table + " r WHERE r.parent_id = q.id AND r.status <> '" + DONE + "')"
                + " ORDER BY q.id FOR UPDATE SKIP LOCKED LIMIT 1) AND i.id = j.input_content_id"
                + " RETURNING j.id, j.attempts, j.kind, j.engine, i.storage_name, i.size_bytes, i.duration_ms, j.key_hex,"
                + " j.key_text, j.kid_hex, j.kid_text, j.parent_id, j.rendition, j.rendition_height, j.rendition_bitrate,"
                + " j.drm_label, (SELECT string_agg(r.rendition || ':' || coalesce(r.rendition_height, 0) || ':'"
                + " || coalesce(r.rendition_bitrate, 0) || ':' || r.drm_label, ',' ORDER BY r.rendition_height DESC NULLS LAST)"
                + " FROM " + table + " r WHERE r.parent_id = j.id) AS renditions,"
                + " (SELECT string_agg(k.label || ':' || k.kid_hex || ':' || k.key_hex || ':' || k.kid_text || ':' || k.key_text,"
                + " ',' ORDER BY k.label) FROM " + jobKeyTable + " k WHERE k.packaging_job_id = j.id) AS labelled_keys";
        return pool.preparedQuery(sql).execute(Tuple.of(owner, seconds(lease)))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(toClaimed(rows.iterator().next(), owner, token)));
    }

    private static ClaimedJob toClaimed(Row r, String owner, String token) {
        Kind kind = Kind.valueOf(r.getString("kind"));
        boolean keyed = kind == Kind.PACKAGE;
        ClaimedJob.Rendition rendition = keyed ? null : new ClaimedJob.Rendition(r.getString("rendition"),
                r.getInteger("rendition_height"), r.getInteger("rendition_bitrate"), r.getString("drm_label"));
        List<ClaimedJob.Rendition> renditions = new ArrayList<>();
        String listed = r.getString("renditions");
        if (listed != null) {
            for (String item : listed.split(",")) {
                String[] parts = item.split(":");
                int height = Integer.parseInt(parts[1]);
                renditions.add(new ClaimedJob.Rendition(parts[0], height == 0 ? null : height,
                        height == 0 ? null : Integer.valueOf(parts[2]), parts[3]));
            }
        }
        List<PackagingRequest.TrackKey> labelledKeys = new ArrayList<>();
        String keys = r.getString("labelled_keys");
        if (keys != null) {
            for (String item : keys.split(",")) {
                String[] parts = item.split(":");
                labelledKeys.add(new PackagingRequest.TrackKey(parts[0], ContentKey.ofHex(parts[1], parts[3]),
                        ContentKey.ofHex(parts[2], parts[4])));
            }
        }
        return new ClaimedJob(r.getLong("id"), r.getInteger("attempts"), owner, token, kind, r.getString("engine"),
                r.getString("storage_name"), r.getLong("size_bytes"), r.getLong("duration_ms"),
                keyed ? ContentKey.ofHex(r.getString("key_hex"), r.getString("key_text")) : null,
                keyed ? ContentKey.ofHex(r.getString("kid_hex"), r.getString("kid_text")) : null,
                r.getLong("parent_id"), rendition, List.copyOf(renditions), List.copyOf(labelledKeys));
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /**
     * RUNNING -> RUNNING: extends the lease and records progress. False when the job is no longer this owner's
     * RUNNING job (cancelled, or the lease was lost): the caller must stop the engine.
     */
    public Uni<Boolean> renew(long id, String owner, Duration lease, int progress) {
        return update("UPDATE " + table + " SET lease_expires_at = now() + make_interval(secs => $3),"
                + " progress = GREATEST(progress, $4) WHERE id = $1 AND lease_owner = $2 AND status = '" + RUNNING + "'",
                Tuple.of(id, owner, seconds(lease), progress));
    }

    /**
     * RUNNING -> RUNNING for a rendition, as {@link #renew}, and the ladder's progress recomputed on its PACKAGE job
     * (still QUEUED while renditions are made): {@value #TRANSCODE_SHARE} % times the renditions' progress, each
     * weighted by its pixel count (height squared; the audio counts as a 120-line picture).
     */
    public Uni<Boolean> renewRendition(long id, long parentId, String owner, Duration lease, int progress) {
        return renew(id, owner, lease, progress).call(ours -> ours ? updateLadderProgress(parentId) : Uni.createFrom().voidItem());
    }

    /** RUNNING -> DONE for a rendition, guarded by the attempt's lease; its file is in place before this is called. */
    public Uni<Boolean> completeRendition(long id, long parentId, String owner) {
        return update("UPDATE " + table + " SET " + set(DONE) + ", progress = 100, finished_at = now(),"
                + " lease_owner = NULL, lease_expires_at = NULL, error_detail = NULL"
                + " WHERE id = $1 AND lease_owner = $2 AND " + from(DONE), Tuple.of(id, owner))
                .call(done -> done ? updateLadderProgress(parentId) : Uni.createFrom().voidItem());
    }

    private Uni<Void> updateLadderProgress(long parentId) {
        return pool.preparedQuery("UPDATE " + table + " p SET progress = GREATEST(p.progress, (SELECT (" + TRANSCODE_SHARE
                + " * sum(r.progress * w.weight) / sum(w.weight) / 100)::int FROM " + table + " r,"
                + " LATERAL (SELECT (coalesce(r.rendition_height, 120)::bigint * coalesce(r.rendition_height, 120)) AS weight) w"
                + " WHERE r.parent_id = p.id)) WHERE p.id = $1 AND p.status = '" + QUEUED + "'")
                .execute(Tuple.of(parentId)).replaceWithVoid();
    }

    /**
     * RUNNING -> DONE, making {@code outputFolder} (under {@code packaged/}) the job's live output, in one statement
     * guarded by the attempt's lease: false when the job was cancelled or taken over meanwhile. {@code hls}: the
     * output holds HLS playlists beside the MPD.
     */
    public Uni<Boolean> complete(long id, String owner, String outputFolder, boolean hls) {
        return update("UPDATE " + table + " SET " + set(DONE) + ", progress = 100, finished_at = now(),"
                + " lease_owner = NULL, lease_expires_at = NULL, error_detail = NULL, output_folder = $3, hls = $4"
                + " WHERE id = $1 AND lease_owner = $2 AND " + from(DONE), Tuple.of(id, owner, outputFolder, hls));
    }

    /** Whether job {@code id} is DONE with {@code outputFolder} live: tells a repeated {@link #complete} it had succeeded. */
    public Uni<Boolean> isLive(long id, String outputFolder) {
        return pool.preparedQuery("SELECT 1 FROM " + table + " WHERE id = $1 AND status = '" + DONE + "' AND output_folder = $2")
                .execute(Tuple.of(id, outputFolder)).map(rows -> rows.size() > 0);
    }

    /**
     * RUNNING -> FAILED with a reason a person can act on; false when the job was cancelled or lost meanwhile. A
     * rendition that fails fails its ladder's PACKAGE job too (QUEUED -> FAILED, naming the rendition and the reason)
     * and cancels the other renditions, in the same statement.
     */
    public Uni<Boolean> fail(long id, String owner, String reason) {
        return pool.preparedQuery("WITH failed AS (UPDATE " + table + " SET " + set(FAILED) + ", finished_at = now(),"
                + " lease_owner = NULL, lease_expires_at = NULL, error_detail = $3 WHERE id = $1 AND lease_owner = $2 AND "
                + from(FAILED) + " RETURNING id, parent_id, rendition, attempts, error_detail)" + failLadders()
                + " SELECT count(*) AS n FROM failed").execute(Tuple.of(id, owner, reason))
                .map(rows -> rows.iterator().next().getLong("n") > 0);
    }

    /**
     * CTEs that follow a CTE {@code failed} (rows with id, parent_id, rendition, attempts, error_detail): the PACKAGE
     * job of each failed rendition fails with the rendition's reason, and its other renditions are cancelled.
     */
    private String failLadders() {
        return ", ladder_failed AS (UPDATE " + table + " p SET " + set(FAILED) + ", finished_at = now(),"
                + " error_detail = 'rendition ' || f.rendition || ' failed after ' || f.attempts || ' attempt(s): ' || f.error_detail"
                + " FROM failed f WHERE p.id = f.parent_id AND p.status = '" + QUEUED + "' RETURNING p.id)"
                + ", siblings_cancelled AS (UPDATE " + table + " s SET " + set(CANCELLED) + ", finished_at = now(),"
                + " lease_owner = NULL, lease_expires_at = NULL, error_detail = 'rendition ' || f.rendition || ' failed'"
                + " FROM failed f WHERE s.parent_id = f.parent_id AND s.id <> f.id AND s." + from(CANCELLED) + " RETURNING s.id)";
    }

    /** RUNNING -> QUEUED (shutdown): another replica or the next start picks it up; the attempt is not counted. */
    public Uni<Boolean> release(long id, String owner) {
        return update("UPDATE " + table + " SET " + set(QUEUED) + ", lease_owner = NULL, lease_expires_at = NULL,"
                + " attempts = GREATEST(attempts - 1, 0) WHERE id = $1 AND lease_owner = $2 AND " + from(QUEUED),
                Tuple.of(id, owner));
    }

    /**
     * RUNNING -> QUEUED, not claimed again before {@code delay} has passed, with {@code reason} shown to the client:
     * for a job that waits for free space ({@code countAttempt} false) or retries after a transient failure.
     */
    public Uni<Boolean> retryLater(long id, String owner, Duration delay, String reason, boolean countAttempt) {
        return update("UPDATE " + table + " SET " + set(QUEUED) + ", lease_owner = NULL, lease_expires_at = NULL,"
                + " not_before = now() + make_interval(secs => $3), error_detail = $4"
                + (countAttempt ? "" : ", attempts = GREATEST(attempts - 1, 0)")
                + " WHERE id = $1 AND lease_owner = $2 AND " + from(QUEUED), Tuple.of(id, owner, seconds(delay), reason));
    }

    /**
     * RUNNING -> QUEUED for jobs whose lease expired, or RUNNING -> FAILED once they used up {@code maxAttempts}.
     * Returns the number of jobs requeued and failed.
     */
    public Uni<int[]> reclaimExpired(int maxAttempts) {
        Uni<Integer> failed = pool.preparedQuery("WITH failed AS (UPDATE " + table + " SET " + set(FAILED)
                + ", finished_at = now(), lease_owner = NULL, lease_expires_at = NULL,"
                + " error_detail = 'the worker running it stopped ' || attempts"
                + " || ' time(s) (crash or lost lease); giving up after ' || $1 || ' attempts'"
                + " WHERE " + from(FAILED) + " AND lease_expires_at < now() AND attempts >= $1"
                + " RETURNING id, parent_id, rendition, attempts, error_detail)" + failLadders()
                + " SELECT count(*)::int AS n FROM failed")
                .execute(Tuple.of(maxAttempts)).map(rows -> rows.iterator().next().getInteger("n"));
        Uni<Integer> requeued = pool.preparedQuery("UPDATE " + table + " SET " + set(QUEUED) + ", lease_owner = NULL,"
                + " lease_expires_at = NULL, error_detail = 'attempt ' || attempts || ' stopped (crash or lost lease); retrying'"
                + " WHERE " + from(QUEUED) + " AND lease_expires_at < now() AND attempts < $1")
                .execute(Tuple.of(maxAttempts)).map(RowSet::rowCount);
        return failed.flatMap(f -> requeued.map(r -> new int[] { r, f }));
    }

    /**
     * QUEUED or RUNNING -> CANCELLED, with the renditions of its ladder; false when the job is finished or gone. A
     * running engine or ffmpeg is stopped by its worker.
     */
    public Uni<Boolean> cancel(long id, String reason) {
        return pool.preparedQuery("WITH cancelled AS (UPDATE " + table + " SET " + set(CANCELLED) + ", finished_at = now(),"
                + " lease_owner = NULL, lease_expires_at = NULL, error_detail = $2 WHERE id = $1 AND " + from(CANCELLED)
                + " RETURNING id), renditions AS (UPDATE " + table + " r SET " + set(CANCELLED) + ", finished_at = now(),"
                + " lease_owner = NULL, lease_expires_at = NULL, error_detail = $2 FROM cancelled c WHERE r.parent_id = c.id"
                + " AND r." + from(CANCELLED) + " RETURNING r.id) SELECT count(*) AS n FROM cancelled")
                .execute(Tuple.of(id, reason)).map(rows -> rows.iterator().next().getLong("n") > 0);
    }

    /** How many renditions wait or run (all replicas together): whether this instance's ffmpeg is needed. */
    public Uni<Long> unfinishedRenditions() {
        return pool.query("SELECT count(*) AS n FROM " + table + " WHERE kind = '" + Kind.TRANSCODE + "' AND "
                + in(List.of(QUEUED, RUNNING))).execute().map(rows -> rows.iterator().next().getLong("n"));
    }

    /** Of the given PACKAGE job ids, those still waiting or running: their renditions' files are in use. */
    public Uni<Set<Long>> unfinished(List<Long> ids) {
        return pool.preparedQuery("SELECT id FROM " + table + " WHERE id = ANY($1) AND " + in(List.of(QUEUED, RUNNING)))
                .execute(Tuple.of(ids.toArray(Long[]::new)))
                .map(rows -> {
                    Set<Long> found = new HashSet<>();
                    rows.forEach(r -> found.add(r.getLong("id")));
                    return found;
                });
    }

    /** What {@link #delete} removed: whether a row went, and its live output folder (null when it had none). */
    public record Deletion(boolean deleted, String outputFolder) {
    }

    /** Deletes a finished job's row; not {@code deleted} when the job is unfinished or gone. */
    public Uni<Deletion> delete(long id) {
        return pool.preparedQuery("DELETE FROM " + table + " WHERE id = $1 AND " + in(Status.finishedOnes())
                + " RETURNING output_folder").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? new Deletion(false, null)
                        : new Deletion(true, rows.iterator().next().getString("output_folder")));
    }

    /** Of the given folder names under {@code packaged/}, those that are a job's live output. */
    public Uni<Set<String>> liveOutputs(List<String> folders) {
        return pool.preparedQuery("SELECT output_folder FROM " + table + " WHERE output_folder = ANY($1)")
                .execute(Tuple.of(folders.toArray(String[]::new)))
                .map(rows -> {
                    Set<String> live = new HashSet<>();
                    rows.forEach(r -> live.add(r.getString("output_folder")));
                    return live;
                });
    }

    /** Ids of RUNNING jobs, for the staging-folder sweep. */
    public Uni<List<Long>> runningIds() {
        return pool.query("SELECT id FROM " + table + " WHERE status = '" + RUNNING + "'").execute()
                .map(rows -> {
                    List<Long> ids = new ArrayList<>();
                    rows.forEach(r -> ids.add(r.getLong("id")));
                    return ids;
                });
    }

    private Uni<Boolean> update(String sql, Tuple args) {
        return pool.preparedQuery(sql).execute(args).map(rows -> rows.rowCount() > 0);
    }

    private static String set(Status next) {
        return "status = '" + next + "'";
    }

    /** The guard of a write that moves a job to {@code next}: the statuses the transition table allows it from. */
    private static String from(Status next) {
        return in(Status.into(next));
    }

    private static String in(List<Status> statuses) {
        return statuses.stream().map(s -> "'" + s + "'").collect(Collectors.joining(", ", "status IN (", ")"));
    }

    private static double seconds(Duration lease) {
        return (double) lease.toMillis() / 1000;
    }
}
