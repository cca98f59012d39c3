package io.vodpack.packaging.queue;

import static io.vodpack.packaging.PackagingJob.Status.CANCELLED;
import static io.vodpack.packaging.PackagingJob.Status.DONE;
import static io.vodpack.packaging.PackagingJob.Status.FAILED;
import static io.vodpack.packaging.PackagingJob.Status.QUEUED;
import static io.vodpack.packaging.PackagingJob.Status.RUNNING;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vodpack.core.error.ProblemException;
import io.vodpack.packaging.ContentKey;
import io.vodpack.packaging.PackagingJob;
import io.vodpack.packaging.PackagingJob.Status;
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
 * QUEUED            RUNNING    claim           a worker with capacity            oldest, FOR UPDATE SKIP LOCKED
 * RUNNING           RUNNING    renew           the worker, every lease/3         status, lease owner
 * RUNNING           DONE       complete        the worker, output published      status, lease owner
 * RUNNING           FAILED     fail            the worker, attempt failed        status, lease owner
 * RUNNING           QUEUED     release         the worker, shutting down         status, lease owner
 * RUNNING           QUEUED     reclaimExpired  the sweeper, attempts left        status, lease expired
 * RUNNING           FAILED     reclaimExpired  the sweeper, attempts used up     status, lease expired
 * QUEUED, RUNNING   CANCELLED  cancel          DELETE /packaged_content/{id}     status
 * DONE, FAILED,     (deleted)  delete          DELETE /packaged_content/{id}     status
 *   CANCELLED
 * </pre>
 *
 * {@link #enqueue} joins the caller's Hibernate Reactive transaction (the idempotency check and the input
 * lock belong to it); every other change is one SQL statement on the reactive pool, which any thread may call.
 */
@ApplicationScoped
public class JobQueue {

    private final Pool pool;
    private final PackagingJobRepository jobs;
    private final InputContentRepository inputs;
    private final String table;
    private final String inputTable;

    public JobQueue(Pool pool, PackagingJobRepository jobs, InputContentRepository inputs,
            @ConfigProperty(name = "db.schema") String schema) {
        this.pool = pool;
        this.jobs = jobs;
        this.inputs = inputs;
        this.table = qualified(schema, "packaging_job");
        this.inputTable = qualified(schema, "input_content");
    }

    /**
     * (new) -> QUEUED, inside the caller's transaction, for an input {@code ownerFilter} may see (null: any);
     * the job belongs to the input's owner. The input is locked {@code FOR SHARE}: a concurrent
     * delete of the input waits for this transaction and then sees the job.
     */
    public Uni<PackagingJob> enqueue(PackagingJob job, String ownerFilter) {
        return inputs.findOwned(job.inputContentId, ownerFilter, LockModeType.PESSIMISTIC_READ)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("No input content with id " + job.inputContentId + "."))
                .flatMap(input -> {
                    if (input.status != InputContent.Status.READY) {
                        throw ProblemException.conflict("input-not-ready",
                                "Input content " + input.id + " is " + input.status + " and cannot be packaged.");
                    }
                    job.status = QUEUED;
                    job.owner = input.owner;
                    job.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
                    return jobs.persist(job);
                });
    }

    /** QUEUED -> RUNNING: claims the oldest queued job for {@code owner}, or nothing when the queue is empty. */
    public Uni<Optional<ClaimedJob>> claim(String owner, Duration lease) {
        String sql = "UPDATE " + table + " j SET " + set(RUNNING) + ", lease_owner = $1,"
                + " lease_expires_at = now() + make_interval(secs => $2), attempts = j.attempts + 1,"
                + " started_at = now(), progress = 0"
                + " FROM " + inputTable + " i"
                + " WHERE j.id = (SELECT id FROM " + table + " WHERE " + from(RUNNING) + " ORDER BY id"
                + " FOR UPDATE SKIP LOCKED LIMIT 1) AND i.id = j.input_content_id"
                + " RETURNING j.id, j.attempts, j.engine, i.storage_name, i.size_bytes, i.duration_ms, j.key_hex, j.key_text,"
                + " j.kid_hex, j.kid_text, j.base_url";
        return pool.preparedQuery(sql).execute(Tuple.of(owner, seconds(lease)))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(toClaimed(rows.iterator().next())));
    }

    private static ClaimedJob toClaimed(Row r) {
        return new ClaimedJob(r.getLong("id"), r.getInteger("attempts"), r.getString("engine"),
                r.getString("storage_name"), r.getLong("size_bytes"), r.getLong("duration_ms"),
                ContentKey.ofHex(r.getString("key_hex"), r.getString("key_text")),
                ContentKey.ofHex(r.getString("kid_hex"), r.getString("kid_text")), r.getString("base_url"));
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

    /** RUNNING -> DONE; false when the job was cancelled or lost meanwhile. */
    public Uni<Boolean> complete(long id, String owner) {
        return update("UPDATE " + table + " SET " + set(DONE) + ", progress = 100, finished_at = now(),"
                + " lease_owner = NULL, lease_expires_at = NULL, error_detail = NULL WHERE id = $1 AND lease_owner = $2 AND "
                + from(DONE), Tuple.of(id, owner));
    }

    /** RUNNING -> FAILED with a reason a person can act on; false when the job was cancelled or lost meanwhile. */
    public Uni<Boolean> fail(long id, String owner, String reason) {
        return update("UPDATE " + table + " SET " + set(FAILED) + ", finished_at = now(), lease_owner = NULL,"
                + " lease_expires_at = NULL, error_detail = $3 WHERE id = $1 AND lease_owner = $2 AND " + from(FAILED),
                Tuple.of(id, owner, reason));
    }

    /** RUNNING -> QUEUED (shutdown): another replica or the next start picks it up; the attempt is not counted. */
    public Uni<Boolean> release(long id, String owner) {
        return update("UPDATE " + table + " SET " + set(QUEUED) + ", lease_owner = NULL, lease_expires_at = NULL,"
                + " attempts = GREATEST(attempts - 1, 0) WHERE id = $1 AND lease_owner = $2 AND " + from(QUEUED),
                Tuple.of(id, owner));
    }

    /**
     * RUNNING -> QUEUED for jobs whose lease expired, or RUNNING -> FAILED once they used up {@code maxAttempts}.
     * Returns the number of jobs requeued and failed.
     */
    public Uni<int[]> reclaimExpired(int maxAttempts) {
        Uni<Integer> failed = pool.preparedQuery("UPDATE " + table + " SET " + set(FAILED) + ", finished_at = now(),"
                + " lease_owner = NULL, lease_expires_at = NULL, error_detail = 'the worker running it stopped ' || attempts"
                + " || ' time(s) (crash or lost lease); giving up after ' || $1 || ' attempts'"
                + " WHERE " + from(FAILED) + " AND lease_expires_at < now() AND attempts >= $1")
                .execute(Tuple.of(maxAttempts)).map(RowSet::rowCount);
        Uni<Integer> requeued = pool.preparedQuery("UPDATE " + table + " SET " + set(QUEUED) + ", lease_owner = NULL,"
                + " lease_expires_at = NULL, error_detail = 'attempt ' || attempts || ' stopped (crash or lost lease); retrying'"
                + " WHERE " + from(QUEUED) + " AND lease_expires_at < now() AND attempts < $1")
                .execute(Tuple.of(maxAttempts)).map(RowSet::rowCount);
        return failed.flatMap(f -> requeued.map(r -> new int[] { r, f }));
    }

    /** QUEUED or RUNNING -> CANCELLED; false when the job is finished or gone. A running engine is stopped by its worker. */
    public Uni<Boolean> cancel(long id, String reason) {
        return update("UPDATE " + table + " SET " + set(CANCELLED) + ", finished_at = now(), lease_owner = NULL,"
                + " lease_expires_at = NULL, error_detail = $2 WHERE id = $1 AND " + from(CANCELLED), Tuple.of(id, reason));
    }

    /** Deletes a finished job's row; false when the job is unfinished or gone. */
    public Uni<Boolean> delete(long id) {
        return update("DELETE FROM " + table + " WHERE id = $1 AND " + in(Status.finishedOnes()), Tuple.of(id));
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

    /** The table of {@code name} in the service's schema, quoted for SQL. */
    static String qualified(String schema, String name) {
        return quote(schema) + "." + name;
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
