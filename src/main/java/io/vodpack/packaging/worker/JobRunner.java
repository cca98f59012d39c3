package io.vodpack.packaging.worker;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgException;
import io.vodpack.core.async.Async;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.packaging.ContentRemoved;
import io.vodpack.packaging.PackagingJob;
import io.vodpack.packaging.engine.Packager;
import io.vodpack.packaging.queue.ClaimedJob;
import io.vodpack.packaging.queue.JobQueue;
import io.vodpack.packaging.transcode.Ffmpeg;

/**
 * Runs claimed jobs: each {@link PackagingAttempt} or {@link TranscodeAttempt} on the packager pool with its lease
 * renewed meanwhile, then records the outcome (DONE, FAILED, or back to the queue to wait or retry) with writes
 * guarded by the attempt's lease, and removes the attempt's own staging folder. Knows the attempts running here, so that a
 * cancellation or a shutdown can stop their engines.
 */
@ApplicationScoped
public class JobRunner {

    private static final Logger LOG = Logger.getLogger(JobRunner.class);

    private final JobQueue queue;
    private final PackagingWorkers workers;
    private final LeaseRenewer leases;
    private final AttemptStorage storage;
    private final VodpackConfig config;
    private final Async async;
    private final MeterRegistry metrics;
    private final Map<String, Packager> engines;
    private final Ffmpeg ffmpeg;
    /** Attempts running here, by their folder name (one job may have a stale and a new attempt on one instance). */
    private final Map<String, Attempt> running = new ConcurrentHashMap<>();
    private volatile boolean stopping;

    public JobRunner(JobQueue queue, PackagingWorkers workers, LeaseRenewer leases, AttemptStorage storage,
            VodpackConfig config, Async async, MeterRegistry metrics, Instance<Packager> packagers, Ffmpeg ffmpeg) {
        this.ffmpeg = ffmpeg;
        this.queue = queue;
        this.workers = workers;
        this.leases = leases;
        this.storage = storage;
        this.config = config;
        this.async = async;
        this.metrics = metrics;
        this.engines = packagers.stream().collect(Collectors.toMap(Packager::name, p -> p));
        metrics.gauge("vodpack.packaging.running", running, Map::size);
    }

    /** True once shutdown began: no new job is started. */
    boolean stopping() {
        return stopping;
    }

    /**
     * Runs one claimed job to its end; the Uni completes when its outcome is recorded. Once a ladder is over (its
     * packaging recorded DONE or FAILED, or a rendition failed for good), its renditions' files are removed.
     */
    Uni<Void> run(ClaimedJob job) {
        LOG.infof("Job %d: attempt %d with %s%s", job.id(), job.attempt(), job.engine(),
                job.rendition() == null ? "" : " (rendition " + job.rendition().name() + " of job " + job.parentId() + ")");
        long started = System.nanoTime();
        Attempt attempt = job.kind() == PackagingJob.Kind.TRANSCODE ? new TranscodeAttempt(job, ffmpeg, storage, config)
                : new PackagingAttempt(job, engines.get(job.engine()), storage, config);
        running.put(job.folderName(), attempt);
        long renewal = leases.start(attempt);
        return workers.run(attempt::execute)
                .flatMap(published -> makeLive(attempt, started))
                .onFailure().recoverWithUni(failure -> recordFailure(attempt, failure, started))
                .eventually(() -> {
                    leases.stop(renewal);
                    running.remove(job.folderName());
                    return async.blocking(attempt::removeStaging);
                })
                .flatMap(ladderOver -> ladderOver ? async.blocking(
                        () -> storage.store.deleteRenditions(job.packagingJobId()))
                        : Uni.createFrom().voidItem());
    }

    /**
     * The fence: the job becomes DONE with this attempt's folder live only while the lease is still this attempt's.
     * Refused (cancelled, or taken over) the attempt removes its own folder; the live output, if any, is another's.
     */
    private Uni<Boolean> makeLive(Attempt attempt, long started) {
        ClaimedJob job = attempt.job();
        if (job.kind() == PackagingJob.Kind.TRANSCODE) {
            return retried(() -> queue.completeRendition(job.id(), job.parentId(), job.leaseOwner())).map(done -> {
                LOG.infof(done ? "Job %d: rendition %s done" : "Job %d: rendition %s is no longer this attempt's", job.id(),
                        job.rendition().name());
                outcome(job, done ? "done" : "superseded", started);
                return false;
            }).onFailure().recoverWithItem(failure -> {
                LOG.warnf("Job %d: could not record the outcome (%s); its lease will expire", job.id(), failure.getMessage());
                outcome(job, "unrecorded", started);
                return false;
            });
        }
        return retried(() -> queue.complete(job.id(), job.leaseOwner(), job.folderName(), attempt.writesHls()))
                // A commit whose answer was lost is refused when repeated: ask whether it took effect.
                .flatMap(completed -> completed ? Uni.createFrom().item(true)
                        : retried(() -> queue.isLive(job.id(), job.folderName())))
                .flatMap(live -> {
                    if (live) {
                        attempt.timeline().mark("DONE commit");
                        LOG.infof("Job %d: done", job.id());
                        LOG.debugf("Job %d timeline: %s", job.id(), attempt.timeline());
                        outcome(job, "done", started);
                        return Uni.createFrom().item(job.ladder());
                    }
                    LOG.infof("Job %d is no longer this attempt's (cancelled or taken over); removing its output", job.id());
                    outcome(job, "superseded", started);
                    return async.blocking(attempt::discardOutput).replaceWith(false);
                })
                .onFailure().recoverWithUni(failure -> {
                    // Outcome unknown: keep the folder; the sweeper removes it unless the row names it live.
                    LOG.warnf("Job %d: could not record the outcome (%s); its lease will expire", job.id(), failure.getMessage());
                    outcome(job, "unrecorded", started);
                    return Uni.createFrom().item(false);
                });
    }

    /**
     * Records why an attempt ended; a stale attempt (lost lease, cancelled) leaves the row to its new owner. True when
     * the failure ended a ladder (its packaging, or one of its renditions, failed for good).
     */
    private Uni<Boolean> recordFailure(Attempt attempt, Throwable failure, long started) {
        ClaimedJob job = attempt.job();
        // Output the storage cannot remove now is no row's: the packaging sweeper removes it. The failure is recorded anyway.
        Uni<Void> discard = async.blocking(attempt::discardOutput)
                .onFailure().invoke(e -> LOG.warnf("Job %d: could not remove the attempt's output now (%s); the sweeper"
                        + " removes it", job.id(), e.getMessage()))
                .onFailure().recoverWithNull();
        if (attempt.leaseLost() || attempt.cancelled() || stopping) {
            String why = attempt.leaseLost() ? "its lease was lost" : stopping ? "shutting down" : "cancelled";
            LOG.infof("Job %d: attempt %d stopped (%s)", job.id(), job.attempt(), why);
            outcome(job, attempt.leaseLost() ? "lease-lost" : stopping ? "handed-back" : "cancelled", started);
            return discard.replaceWith(false);
        }
        AttemptFailure.Kind kind = failure instanceof AttemptFailure af ? af.kind()
                : failure instanceof UncheckedIOException ? AttemptFailure.Kind.TRANSIENT : AttemptFailure.Kind.PERMANENT;
        String reason = failure instanceof AttemptFailure ? failure.getMessage()
                : failure instanceof UncheckedIOException ? "storage error: " + failure.getMessage() : "internal error: " + failure;
        Duration backoff = config.packaging().retryBackoff();
        Uni<Boolean> recorded;
        boolean endsLadder = false;
        if (kind == AttemptFailure.Kind.NO_SPACE || kind == AttemptFailure.Kind.NO_STORAGE) {
            LOG.infof("Job %d: %s", job.id(), reason);
            outcome(job, kind == AttemptFailure.Kind.NO_SPACE ? "waiting-for-space" : "waiting-for-storage", started);
            recorded = retried(() -> queue.retryLater(job.id(), job.leaseOwner(), backoff, reason, false));
        } else if (kind == AttemptFailure.Kind.TRANSIENT && job.attempt() < config.packaging().maxAttempts()) {
            LOG.warnf("Job %d: attempt %d failed (%s); trying again in %s", job.id(), job.attempt(), reason, backoff);
            outcome(job, "retried", started);
            recorded = retried(() -> queue.retryLater(job.id(), job.leaseOwner(), backoff,
                    "attempt " + job.attempt() + " failed (" + reason + "); retrying", true));
        } else {
            LOG.warnf("Job %d failed: %s", job.id(), reason);
            outcome(job, "failed", started);
            recorded = retried(() -> queue.fail(job.id(), job.leaseOwner(), reason));
            endsLadder = job.parentId() != null || job.ladder();
        }
        boolean ladderOver = endsLadder;
        return discard.chain(() -> recorded)
                .map(failed -> failed && ladderOver)
                .onFailure().invoke(e -> LOG.warnf("Job %d: could not record the failure (%s); its lease will expire",
                        job.id(), e.getMessage()))
                .onFailure().recoverWithItem(false);
    }

    /**
     * A guarded write, repeated on connection errors (a database blip) for up to one lease: the guard makes a repeat
     * harmless, and after the lease another attempt may own the job anyway.
     */
    private Uni<Boolean> retried(Supplier<Uni<Boolean>> write) {
        return Uni.createFrom().<Boolean> deferred(write::get).onFailure(JobRunner::isTransient).retry()
                .withBackOff(Duration.ofMillis(200), Duration.ofSeconds(2))
                .expireIn(config.packaging().lease().toMillis());
    }

    /** SQL errors the statement itself caused are not retried; lost connections, timeouts and the like are. */
    private static boolean isTransient(Throwable failure) {
        if (failure instanceof PgException pg) {
            String state = pg.getSqlState() == null ? "" : pg.getSqlState();
            return state.startsWith("08") || state.startsWith("57") || state.startsWith("53") || state.startsWith("40");
        }
        return true;
    }

    /** Counts an attempt's outcome and its duration (vodpack_packaging_attempts_seconds{engine,outcome}). */
    private void outcome(ClaimedJob job, String outcome, long startedNanos) {
        Timer.builder("vodpack.packaging.attempts")
                .description("Packaging attempts by engine and outcome").tags("engine", job.engine(), "outcome", outcome)
                .register(metrics).record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
    }

    /** A job was cancelled or deleted: stops its engine, or the ffmpeg of its renditions, if they run here. */
    void onRemoved(@Observes ContentRemoved removed) {
        running.values().stream().filter(attempt -> attempt.job().packagingJobId() == removed.id())
                .forEach(attempt -> async.blocking(attempt::cancel).subscribe().with(v -> { }));
    }

    /** On shutdown: stop the engines and hand running jobs back to the queue for another replica or the next start. */
    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
        for (Attempt attempt : running.values()) {
            attempt.cancel();
            long id = attempt.job().id();
            try {
                queue.release(id, attempt.job().leaseOwner()).await().atMost(Duration.ofSeconds(5));
                LOG.infof("Job %d handed back to the queue", id);
            } catch (RuntimeException e) {
                LOG.warnf("Job %d could not be handed back (%s); its lease will expire", id, e.getMessage());
            }
        }
    }
}
