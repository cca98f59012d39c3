package io.vodpack.packaging.events;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.db.DatabaseNotifications;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.lifecycle.StartupOrder;

/**
 * This instance's ear on the job table: the channel {@value #CHANNEL} of {@link DatabaseNotifications} (the triggers of
 * migrations V30 and V71 announce every committed status or progress change, and every deletion, there, whichever
 * replica made it), the {@link JobWatch}es of the requests waiting for a job to change, the listeners told of newly
 * queued jobs (the claim loop) and those told of deleted ones (delivery). A notification only wakes a watch; the waiting request then reads the row again, so a lost
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
    private final List<DeletionListener> deletionListeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger open = new AtomicInteger();

    public JobEvents(Vertx vertx, VodpackConfig config, DatabaseNotifications notifications) {
        this.vertx = vertx;
        this.config = config;
        this.notifications = notifications;
    }

    void start(@Observes @Priority(StartupOrder.CONSUME) StartupEvent startup) {
        notifications.subscribe(CHANNEL, this::notified, this::signalAll);
    }

    /**
     * Calls {@code listener} (on an event loop) whenever a job was queued or put back in the queue, by any replica,
     * and after a reconnection (a notification may have been missed).
     */
    public void onQueued(Runnable listener) {
        queuedListeners.add(listener);
    }

    /** Told of a deleted job: its id and its live output folder (null when it had none). */
    @FunctionalInterface
    public interface Deletion {
        void deleted(long jobId, String outputFolder);
    }

    /** Told of deleted jobs, and when some deletions may have gone unheard. */
    private record DeletionListener(Deletion deleted, Runnable missed) {
    }

    /**
     * Calls {@code deleted} (on an event loop) for every job deleted by any replica, once the deletion is committed
     * (migration V71), and {@code missed} after a reconnection, when a deletion may have gone unheard.
     */
    public void onDeleted(Deletion deleted, Runnable missed) {
        deletionListeners.add(new DeletionListener(deleted, missed));
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
        } else if (payload.startsWith(":DELETED:", colon)) {
            int folderAt = payload.indexOf(':', colon + ":DELETED:".length());
            String folder = folderAt < 0 || folderAt == payload.length() - 1 ? null : payload.substring(folderAt + 1);
            deletionListeners.forEach(listener -> listener.deleted().deleted(jobId, folder));
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
        deletionListeners.forEach(listener -> listener.missed().run());
    }
}
