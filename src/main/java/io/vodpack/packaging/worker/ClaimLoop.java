package io.vodpack.packaging.worker;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.packaging.events.JobEvents;
import io.vodpack.packaging.queue.JobQueue;
import io.vodpack.core.lifecycle.StartupOrder;

/**
 * Claims queued jobs while this instance has a free worker: one permit of {@link #slots} per job it may run
 * at once. Signals: a job was queued here (at once, after its commit), a job was queued or handed back by any
 * replica (the job event notification), the sweeper, and the poll as a fallback. A signal that arrives while a claim
 * is under way is never lost: a claim that finds nothing looks again when signals came in meanwhile.
 */
@ApplicationScoped
public class ClaimLoop {

    private static final Logger LOG = Logger.getLogger(ClaimLoop.class);

    private final JobQueue queue;
    private final JobRunner runner;
    private final PackagingWorkers workers;
    private final VodpackConfig config;
    private final Semaphore slots;
    private final AtomicLong signals = new AtomicLong();
    /** Set when start-up has readied storage; the scheduler's poll may fire earlier and must not claim yet. */
    private volatile boolean started;

    private final JobEvents events;

    public ClaimLoop(JobQueue queue, JobRunner runner, PackagingWorkers workers, VodpackConfig config, JobEvents events) {
        this.events = events;
        this.queue = queue;
        this.runner = runner;
        this.workers = workers;
        this.config = config;
        this.slots = new Semaphore(workers.concurrency());
    }

    void onStart(@Observes @Priority(StartupOrder.CONSUME) StartupEvent event) {
        if (!config.packaging().workersEnabled()) {
            LOG.info("Packaging workers are disabled on this instance (vodpack.packaging.workers-enabled=false)");
            return;
        }
        LOG.infof("Packaging with engine '%s', %d job(s) at once, worker %s", config.packaging().engine(),
                workers.concurrency(), workers.owner());
        started = true;
        events.onQueued(this::signal);
        signal();
    }

    /** Fallback for a missed notification: a queued job starts within this period at the latest. */
    @Scheduled(every = "${vodpack.packaging.poll-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void poll() {
        signal();
    }

    /** There may be a queued job: claim it if a worker is free. Safe to call from any thread. */
    public void signal() {
        if (!started) {
            return;
        }
        signals.incrementAndGet();
        claimIfFree();
    }

    private void claimIfFree() {
        if (!runner.stopping() && slots.tryAcquire()) {
            claim();
        }
    }

    /** Holds one slot: passes it on to the claimed job, or gives it back. */
    private void claim() {
        long seen = signals.get();
        queue.claim(workers.owner(), config.packaging().lease()).subscribe().with(claimed -> {
            if (claimed.isPresent()) {
                runner.run(claimed.get()).subscribe().with(done -> finished(), failure -> {
                    LOG.errorf(failure, "Job %d: unexpected failure", claimed.get().id());
                    finished();
                });
                claimIfFree();
            } else {
                slots.release();
                if (signals.get() != seen) {
                    claimIfFree();
                }
            }
        }, failure -> {
            slots.release();
            LOG.warnf("Could not claim a packaging job: %s", failure.getMessage());
        });
    }

    private void finished() {
        slots.release();
        claimIfFree();
    }
}
