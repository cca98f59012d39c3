package io.vodpack.packaging.queue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vodpack.packaging.ContentKey;

/**
 * The worker side of the job table, in plain SQL on the reactive pool. Every state change is one
 * statement guarded by the expected status and lease owner, so replicas sharing the database never
 * run a job twice: a claim takes the oldest QUEUED row with {@code FOR UPDATE SKIP LOCKED}.
 */
@ApplicationScoped
public class JobQueue {

    private final Pool pool;
    private final String table;

    public JobQueue(Pool pool, @ConfigProperty(name = "db.schema") String schema) {
        this.pool = pool;
        this.table = quote(schema) + ".packaging_job";
    }

    /** Claims the oldest queued job for {@code owner}, or nothing when the queue is empty. */
    public Uni<Optional<ClaimedJob>> claim(String owner, Duration lease) {
        String sql = "UPDATE " + table + " j SET status = 'RUNNING', lease_owner = $1,"
                + " lease_expires_at = now() + make_interval(secs => $2), attempts = j.attempts + 1,"
                + " started_at = now(), progress = 0"
                + " FROM " + table.replace("packaging_job", "input_content") + " i"
                + " WHERE j.id = (SELECT id FROM " + table + " WHERE status = 'QUEUED' ORDER BY id"
                + " FOR UPDATE SKIP LOCKED LIMIT 1) AND i.id = j.input_content_id"
                + " RETURNING j.id, j.attempts, j.engine, i.storage_name, i.size_bytes, i.duration_ms, j.key_hex, j.key_text,"
                + " j.kid_hex, j.kid_text, j.base_url";
        return pool.preparedQuery(sql).execute(Tuple.of(owner, (double) lease.toMillis() / 1000))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(toClaimed(rows.iterator().next())));
    }

    private static ClaimedJob toClaimed(Row r) {
        return new ClaimedJob(r.getLong("id"), r.getInteger("attempts"), r.getString("engine"),
                r.getString("storage_name"), r.getLong("size_bytes"), r.getLong("duration_ms"),
                ContentKey.ofHex(r.getString("key_hex"), r.getString("key_text")),
                ContentKey.ofHex(r.getString("kid_hex"), r.getString("kid_text")), r.getString("base_url"));
    }

    /**
     * Extends the lease and records progress. False when the job is no longer this owner's RUNNING job
     * (cancelled, or the lease was lost): the caller must stop the engine.
     */
    public Uni<Boolean> renew(long id, String owner, Duration lease, int progress) {
        return update("UPDATE " + table + " SET lease_expires_at = now() + make_interval(secs => $3),"
                + " progress = GREATEST(progress, $4) WHERE id = $1 AND lease_owner = $2 AND status = 'RUNNING'",
                Tuple.of(id, owner, (double) lease.toMillis() / 1000, progress));
    }

    /** Marks a job DONE; false when it was cancelled or lost meanwhile. */
    public Uni<Boolean> complete(long id, String owner) {
        return update("UPDATE " + table + " SET status = 'DONE', progress = 100, finished_at = now(), lease_owner = NULL,"
                + " lease_expires_at = NULL, error_detail = NULL WHERE id = $1 AND lease_owner = $2 AND status = 'RUNNING'",
                Tuple.of(id, owner));
    }

    /** Marks a job FAILED with a reason a person can act on. */
    public Uni<Boolean> fail(long id, String owner, String reason) {
        return update("UPDATE " + table + " SET status = 'FAILED', finished_at = now(), lease_owner = NULL,"
                + " lease_expires_at = NULL, error_detail = $3 WHERE id = $1 AND lease_owner = $2 AND status = 'RUNNING'",
                Tuple.of(id, owner, reason));
    }

    /** Gives a running job back to the queue (shutdown): another replica or the next start picks it up. */
    public Uni<Boolean> release(long id, String owner) {
        return update("UPDATE " + table + " SET status = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL,"
                + " attempts = GREATEST(attempts - 1, 0) WHERE id = $1 AND lease_owner = $2 AND status = 'RUNNING'",
                Tuple.of(id, owner));
    }

    /**
     * Returns RUNNING jobs whose lease expired to the queue, or fails them once they used up
     * {@code maxAttempts}. Returns the number of jobs requeued and failed.
     */
    public Uni<int[]> reclaimExpired(int maxAttempts) {
        Uni<Integer> failed = pool.preparedQuery("UPDATE " + table + " SET status = 'FAILED', finished_at = now(),"
                + " lease_owner = NULL, lease_expires_at = NULL, error_detail = 'the worker running it stopped ' || attempts"
                + " || ' time(s) (crash or lost lease); giving up after ' || $1 || ' attempts'"
                + " WHERE status = 'RUNNING' AND lease_expires_at < now() AND attempts >= $1")
                .execute(Tuple.of(maxAttempts)).map(RowSet::rowCount);
        Uni<Integer> requeued = pool.preparedQuery("UPDATE " + table + " SET status = 'QUEUED', lease_owner = NULL,"
                + " lease_expires_at = NULL, error_detail = 'attempt ' || attempts || ' stopped (crash or lost lease); retrying'"
                + " WHERE status = 'RUNNING' AND lease_expires_at < now() AND attempts < $1")
                .execute(Tuple.of(maxAttempts)).map(RowSet::rowCount);
        return failed.flatMap(f -> requeued.map(r -> new int[] { r, f }));
    }

    /** Ids of jobs that are RUNNING with an unexpired lease, for the staging-folder sweep. */
    public Uni<List<Long>> runningIds() {
        return pool.query("SELECT id FROM " + table + " WHERE status = 'RUNNING'").execute()
                .map(rows -> {
                    List<Long> ids = new java.util.ArrayList<>();
                    rows.forEach(r -> ids.add(r.getLong("id")));
                    return ids;
                });
    }

    /** Whether the job is DONE, for the delivery route. */
    public Uni<Boolean> isDone(long id) {
        return pool.preparedQuery("SELECT 1 FROM " + table + " WHERE id = $1 AND status = 'DONE'").execute(Tuple.of(id))
                .map(rows -> rows.size() > 0);
    }

    private Uni<Boolean> update(String sql, Tuple args) {
        return pool.preparedQuery(sql).execute(args).map(rows -> rows.rowCount() > 0);
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
