package io.vodpack.packaging.worker;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.vertx.core.Vertx;
import io.vodpack.core.async.Async;
import io.vodpack.packaging.queue.JobQueue;
import io.vodpack.core.config.VodpackConfig;

/**
 * Keeps a running attempt's lease alive and records its progress. It renews every sixth of a lease, so a renewal
 * that fails (a database blip) is simply tried again at the next tick; the engine is stopped when the job is no
 * longer this attempt's (cancelled, or taken over after a lost lease), and also as soon as no renewal can be
 * confirmed before the lease runs out: another replica may take the job from then on.
 */
@ApplicationScoped
class LeaseRenewer {

    private static final Logger LOG = Logger.getLogger(LeaseRenewer.class);

    private final JobQueue queue;
    private final VodpackConfig config;
    private final Vertx vertx;
    private final Async async;

    LeaseRenewer(JobQueue queue, VodpackConfig config, Vertx vertx, Async async) {
        this.queue = queue;
        this.config = config;
        this.vertx = vertx;
        this.async = async;
    }

    /** Starts renewing; returns the handle for {@link #stop}. */
    long start(Attempt attempt) {
        Duration lease = config.packaging().lease();
        long tick = Math.max(200, lease.toMillis() / 6);
        long id = attempt.job().id();
        // Event loop timer; counting segments and killing the engine go to a worker thread.
        return vertx.setPeriodic(tick, t -> {
            long now = System.nanoTime();
            if (attempt.leaseLost() || attempt.cancelled()) {
                return;
            }
            if (now + tick * 1_000_000L >= attempt.leaseConfirmedUntil()) {
                // The next tick would be too late: from the lease's end another replica may run the job.
                LOG.warnf("Job %d: the lease could not be renewed in time; stopping its engine", id);
                async.blocking(attempt::loseLease).subscribe().with(v -> { });
                return;
            }
            async.blocking(attempt::progress)
                    .flatMap(progress -> attempt.job().parentId() == null
                            ? queue.renew(id, attempt.job().leaseOwner(), lease, progress)
                            : queue.renewRendition(id, attempt.job().parentId(), attempt.job().leaseOwner(), lease, progress))
                    .subscribe().with(stillOurs -> {
                        if (stillOurs) {
                            attempt.leaseConfirmed(now);
                        } else if (!attempt.cancelled() && !attempt.leaseLost()) {
                            LOG.infof("Job %d was cancelled or taken over; stopping its engine", id);
                            async.blocking(attempt::loseLease).subscribe().with(v -> { });
                        }
                    }, failure -> LOG.warnf("Job %d: lease renewal failed (%s); trying again", id, failure.getMessage()));
        });
    }

    void stop(long handle) {
        vertx.cancelTimer(handle);
    }
}
