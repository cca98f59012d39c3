package io.vodpack.packaging.worker;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.vodpack.core.async.Async;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.packaging.ContentRemoved;
import io.vodpack.packaging.engine.Packager;
import io.vodpack.packaging.queue.ClaimedJob;
import io.vodpack.packaging.queue.JobQueue;

/**
 * Runs claimed jobs: each {@link PackagingAttempt} on the packager pool with its lease renewed meanwhile, then
 * records the outcome (DONE, FAILED) and removes its staging folder. Knows the attempts running here, so that a
 * cancellation or a shutdown can stop their engines.
 */
@ApplicationScoped
public class JobRunner {

    private static final Logger LOG = Logger.getLogger(JobRunner.class);

    private final JobQueue queue;
    private final PackagingWorkers workers;
    private final LeaseRenewer leases;
    private final ContentStorage storage;
    private final VodpackConfig config;
    private final Async async;
    private final MeterRegistry metrics;
    private final Map<String, Packager> engines;
    private final Map<Long, PackagingAttempt> running = new ConcurrentHashMap<>();
    private volatile boolean stopping;

    public JobRunner(JobQueue queue, PackagingWorkers workers, LeaseRenewer leases, ContentStorage storage,
            VodpackConfig config, Async async, MeterRegistry metrics, Instance<Packager> packagers) {
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

    /** Runs one claimed job to its end; the Uni completes when its outcome is recorded. */
    Uni<Void> run(ClaimedJob job) {
        LOG.infof("Job %d: attempt %d with %s", job.id(), job.attempt(), job.engine());
        long started = System.nanoTime();
        PackagingAttempt attempt = new PackagingAttempt(job, engines.get(job.engine()), storage, config.packaging());
        running.put(job.id(), attempt);
        long renewal = leases.start(attempt);
        return workers.run(attempt::execute)
                .flatMap(published -> queue.complete(job.id(), workers.owner()).invoke(completed -> {
                    if (completed) {
                        LOG.infof("Job %d: done", job.id());
                        outcome(job, "done", started);
                    } else {
                        LOG.infof("Job %d was cancelled while publishing; removing its output", job.id());
                    }
                }).call(completed -> completed ? Uni.createFrom().voidItem()
                        : async.blocking(() -> ContentStorage.deleteRecursively(storage.publishedFolder(job.id())))))
                .onFailure().recoverWithUni(failure -> {
                    if (attempt.cancelled() || stopping) {
                        LOG.infof("Job %d: engine stopped (%s)", job.id(), stopping ? "shutting down" : "cancelled");
                        outcome(job, stopping ? "handed-back" : "cancelled", started);
                        return Uni.createFrom().item(false);
                    }
                    String reason = failure instanceof AttemptFailure ? failure.getMessage() : "internal error: " + failure;
                    LOG.warnf("Job %d failed: %s", job.id(), reason);
                    outcome(job, "failed", started);
                    return queue.fail(job.id(), workers.owner(), reason);
                })
                .eventually(() -> {
                    leases.stop(renewal);
                    running.remove(job.id());
                    return async.blocking(() -> ContentStorage.deleteRecursively(storage.stagingFolder(job.id())));
                })
                .replaceWithVoid();
    }

    /** Counts an attempt's outcome and its duration (vodpack_packaging_attempts_seconds{engine,outcome}). */
    private void outcome(ClaimedJob job, String outcome, long startedNanos) {
        Timer.builder("vodpack.packaging.attempts")
                .description("Packaging attempts by engine and outcome").tags("engine", job.engine(), "outcome", outcome)
                .register(metrics).record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
    }

    /** A job was cancelled or deleted: stops its engine if it runs here. */
    void onRemoved(@Observes ContentRemoved removed) {
        PackagingAttempt attempt = running.get(removed.id());
        if (attempt != null) {
            async.blocking(attempt::cancel).subscribe().with(v -> { });
        }
    }

    /** On shutdown: stop the engines and hand running jobs back to the queue for another replica or the next start. */
    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
        for (Map.Entry<Long, PackagingAttempt> entry : running.entrySet()) {
            entry.getValue().cancel();
            try {
                queue.release(entry.getKey(), workers.owner()).await().atMost(Duration.ofSeconds(5));
                LOG.infof("Job %d handed back to the queue", entry.getKey());
            } catch (RuntimeException e) {
                LOG.warnf("Job %d could not be handed back (%s); its lease will expire", entry.getKey(), e.getMessage());
            }
        }
    }
}
