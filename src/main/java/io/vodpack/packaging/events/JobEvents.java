package io.vodpack.packaging.events;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.SslMode;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.error.ProblemException;

/**
 * This instance's ear on the job table: one dedicated PostgreSQL connection that LISTENs on {@value #CHANNEL} (the
 * trigger of migration V30 announces every committed status or progress change there, whichever replica made it),
 * and the {@link JobWatch}es of the requests waiting for a job to change. A notification only wakes a watch; the
 * waiting request then reads the row again, so a lost notification costs latency, never correctness.
 */
@ApplicationScoped
public class JobEvents {

    private static final Logger LOG = Logger.getLogger(JobEvents.class);

    static final String CHANNEL = "vodpack_jobs";

    /** The key of watches that wake on a change of any job (lists). */
    static final long ANY_JOB = -1;

    private final Vertx vertx;
    private final VodpackConfig config;
    private final PgConnectOptions connectOptions;
    private final Map<Long, Set<JobWatch>> watches = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private volatile PgConnection connection;
    private volatile boolean stopped;

    public JobEvents(Vertx vertx, VodpackConfig config,
            @ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
            @ConfigProperty(name = "quarkus.datasource.username") String user,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password,
            @ConfigProperty(name = "db.ssl-mode") String sslMode) {
        this.vertx = vertx;
        this.config = config;
        this.connectOptions = PgConnectOptions.fromUri(url.replaceFirst("^vertx-reactive:", ""))
                .setUser(user).setPassword(password.orElse("")).setSslMode(SslMode.of(sslMode));
    }

    void start(@Observes StartupEvent startup) {
        connect();
    }

    void stop(@Observes ShutdownEvent shutdown) {
        stopped = true;
        PgConnection current = connection;
        if (current != null) {
            current.close();
        }
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
        return connection != null;
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
    }

    private static void signal(Set<JobWatch> set) {
        if (set != null) {
            set.forEach(JobWatch::signal);
        }
    }

    /** After a (re)connection, notifications may have been missed: every watcher reads its row again. */
    private void signalAll() {
        watches.values().forEach(JobEvents::signal);
    }

    private void connect() {
        if (stopped) {
            return;
        }
        PgConnection.connect(vertx, connectOptions).onSuccess(conn -> {
            AtomicBoolean gone = new AtomicBoolean();
            conn.notificationHandler(notification -> notified(notification.getPayload()));
            conn.closeHandler(closed -> lost(conn, gone, null));
            conn.exceptionHandler(failure -> lost(conn, gone, failure));
            conn.query("LISTEN " + CHANNEL).execute().onSuccess(listening -> {
                connection = conn;
                LOG.debugf("Listening for job events on %s", CHANNEL);
                signalAll();
            }).onFailure(failure -> lost(conn, gone, failure));
        }).onFailure(this::retry);
    }

    /** The connection failed or closed (each connection is given up, and replaced, once). */
    private void lost(PgConnection conn, AtomicBoolean gone, Throwable failure) {
        if (!gone.compareAndSet(false, true)) {
            return;
        }
        if (connection == conn) {
            connection = null;
        }
        conn.close();
        retry(failure);
    }

    private void retry(Throwable failure) {
        if (stopped) {
            return;
        }
        LOG.warnf("Job event connection to PostgreSQL lost (%s); reconnecting in %s",
                failure == null ? "closed" : failure.getMessage(), config.events().reconnectDelay());
        vertx.setTimer(Math.max(1, config.events().reconnectDelay().toMillis()), timer -> connect());
    }
}
