package io.vodpack.packaging.worker;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.vertx.core.Vertx;
import io.vodpack.core.async.Async;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.packaging.queue.JobQueue;

/**
 * Keeps a running attempt's lease alive (every third of a lease) and records its progress. When the job is no
 * longer this worker's (cancelled, or taken over after a lost lease), the attempt's engine is stopped.
 */
@ApplicationScoped
class LeaseRenewer {

    private static final Logger LOG = Logger.getLogger(LeaseRenewer.class);

    private final JobQueue queue;
    private final PackagingWorkers workers;
    private final VodpackConfig config;
    private final Vertx vertx;
    private final Async async;

    LeaseRenewer(JobQueue queue, PackagingWorkers workers, VodpackConfig config, Vertx vertx, Async async) {
        this.queue = queue;
        this.workers = workers;
        this.config = config;
        this.vertx = vertx;
        this.async = async;
    }

    /** Starts renewing; returns the handle for {@link #stop}. */
    long start(PackagingAttempt attempt) {
        Duration lease = config.packaging().lease();
        long id = attempt.job().id();
        // Event loop timer; counting segments and killing the engine go to a worker thread.
        return vertx.setPeriodic(Math.max(1000, lease.toMillis() / 3), t -> async.blocking(attempt::progress)
                .flatMap(progress -> queue.renew(id, workers.owner(), lease, progress))
                .subscribe().with(stillOurs -> {
                    if (!stillOurs && !attempt.cancelled()) {
                        LOG.infof("Job %d was cancelled or taken over; stopping its engine", id);
                        async.blocking(attempt::cancel).subscribe().with(v -> { });
                    }
                }, failure -> LOG.warnf("Job %d: lease renewal failed: %s", id, failure.getMessage())));
    }

    void stop(long handle) {
        vertx.cancelTimer(handle);
    }
}
