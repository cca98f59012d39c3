package io.vodpack.packaging.events;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.db.DatabaseNotifications;
import io.vodpack.core.error.ProblemException;

/**
 * This instance's ear on the job table: the channel {@value #CHANNEL} of {@link DatabaseNotifications} (the trigger of
 * migration V30 announces every committed status or progress change there, whichever replica made it), the
 * {@link JobWatch}es of the requests waiting for a job to change, and the listeners told of newly queued jobs (the
 * claim loop). A notification only wakes a watch; the waiting request then reads the row again, so a lost
 * notification costs latency, never correctness.
 */
@ApplicationScoped
public class JobEvents {

    private static final Logger LOG = Logger.getLogger(JobEvents.class);

    static final String CHANNEL = "vodpack_jobs";

    /** The key of watches that wake on a change of any job (lists). */
    static final long ANY_JOB = -1;

    private final Vertx vertx;
    private final VodpackConfig config;
    private final DatabaseNotifications notifications;
    private final Map<Long, Set<JobWatch>> watches = new ConcurrentHashMap<>();
    private final List<Runnable> queuedListeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger open = new AtomicInteger();

    public JobEvents(Vertx vertx, VodpackConfig config, DatabaseNotifications notifications) {
        this.vertx = vertx;
        this.config = config;
        this.notifications = notifications;
    }

    void start(@Observes StartupEvent startup) {
        notifications.subscribe(CHANNEL, this::notified, this::signalAll);
    }

    /**
     * Calls {@code listener} (on an event loop) whenever a job was queued or put back in the queue, by any replica,
     * and after a reconnection (a notification may have been missed).
     */
    public void onQueued(Runnable listener) {
        queuedListeners.add(listener);
    }

    /**
     * Opens a watch on one job ({@code jobId}) or, with {@link #ANY_JOB}, on every job; it counts against
     * {@code vodpack.events.max-waiting} until closed. Open it before reading the state it guards, so that no change
     * committed after that read can slip by.
     *
     * @throws ProblemException 429 when this instance already holds as many watches as allowed
     */
    public JobWatch watch(long jobId) {
        if (open.incrementAndGet() > config.events().maxWaiting()) {
            open.decrementAndGet();
            throw ProblemException.tooManyRequests("too-many-waiting",
                    "This instance already holds " + config.events().maxWaiting()
                            + " waiting requests (vodpack.events.max-waiting); ask again without wait, or later.", 1);
        }
        JobWatch watch = new JobWatch(vertx, jobId, this::closed);
        watches.computeIfAbsent(jobId, id -> ConcurrentHashMap.newKeySet()).add(watch);
        return watch;
    }

    /** Watches on every job, for lists. */
    public JobWatch watchAll() {
        return watch(ANY_JOB);
    }

    /** Watches open now on this instance. */
    public int waiting() {
        return open.get();
    }

    /** Whether the LISTEN connection is up (notifications flow). */
    public boolean listening() {
        return notifications.listening();
    }

    private void closed(JobWatch watch) {
        Set<JobWatch> set = watches.get(watch.jobId());
        if (set != null && set.remove(watch)) {
            open.decrementAndGet();
        }
    }

    // Runs on the listening connection's event loop.
    private void notified(String payload) {
        int colon = payload.indexOf(':');
        long jobId;
        try {
            jobId = Long.parseLong(colon < 0 ? payload : payload.substring(0, colon));
        } catch (NumberFormatException e) {
            LOG.debugf("Ignoring notification '%s'", payload);
            return;
        }
        signal(watches.get(jobId));
        signal(watches.get(ANY_JOB));
        if (payload.startsWith(":QUEUED:", colon)) {
            queuedListeners.forEach(Runnable::run);
        }
    }

    private static void signal(Set<JobWatch> set) {
        if (set != null) {
            set.forEach(JobWatch::signal);
        }
    }

    /** After a (re)connection, notifications may have been missed: every watcher reads its row again. */
    private void signalAll() {
        watches.values().forEach(JobEvents::signal);
        queuedListeners.forEach(Runnable::run);
    }
}
