package io.vodpack.core.db;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.lifecycle.StartupOrder;

/**
 * This instance's one dedicated PostgreSQL connection that LISTENs on the channels features subscribe to (NOTIFY
 * from triggers, whichever replica committed the change). Its options come from the datasource's own properties
 * ({@link ListenConnectionOptions}). A lost connection is opened again after {@code vodpack.events.reconnect-delay};
 * each subscriber is then told that notifications may have been missed. A connection that stops answering (a peer gone
 * without a word: a failover, a NAT that forgot it) is found by a query every {@value #CHECK_EVERY_MS} ms and replaced
 * the same way. Notifications are hints to look again, never the data itself: a missed one costs latency, not
 * correctness.
 */
@ApplicationScoped
public class DatabaseNotifications {

    private static final Logger LOG = Logger.getLogger(DatabaseNotifications.class);

    /** What one subscriber hears on a channel, and what it does after a reconnection. */
    private record Subscriber(Consumer<String> onPayload, Runnable onReconnected) {
    }

    private final Vertx vertx;
    private final VodpackConfig config;
    private final PgConnectOptions connectOptions;
    private final Map<String, List<Subscriber>> channels = new ConcurrentHashMap<>();
    private volatile PgConnection connection;
    private volatile boolean stopped;

    public DatabaseNotifications(Vertx vertx, VodpackConfig config, Config properties) {
        this.vertx = vertx;
        this.config = config;
        this.connectOptions = ListenConnectionOptions.from(properties);
    }

    void start(@Observes @Priority(StartupOrder.CONSUME) StartupEvent startup) {
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
     * Calls {@code onPayload} (on the connection's event loop) with the payload of every notification on
     * {@code channel}, and {@code onReconnected} once the connection is (again) listening, since notifications may
     * have been missed until then. Safe to call before or after the connection is up.
     */
    public void subscribe(String channel, Consumer<String> onPayload, Runnable onReconnected) {
        PgConnection current;
        synchronized (this) {
            channels.computeIfAbsent(channel, name -> new CopyOnWriteArrayList<>()).add(new Subscriber(onPayload, onReconnected));
            current = connection;
        }
        if (current != null) {
            current.query(listen(List.of(channel))).execute()
                    .onSuccess(listening -> onReconnected.run())
                    .onFailure(failure -> LOG.warnf("LISTEN %s failed: %s", channel, failure.getMessage()));
        }
    }

    static final long CHECK_EVERY_MS = 30_000;
    static final long CHECK_TIMEOUT_MS = 10_000;

    /** Whether the connection is up (notifications flow). */
    public boolean listening() {
        return connection != null;
    }

    // Runs on the listening connection's event loop.
    private void notified(String channel, String payload) {
        List<Subscriber> subscribers = channels.get(channel);
        if (subscribers != null) {
            subscribers.forEach(subscriber -> subscriber.onPayload().accept(payload));
        }
    }

    private void connect() {
        if (stopped) {
            return;
        }
        PgConnection.connect(vertx, connectOptions).onSuccess(conn -> {
            AtomicBoolean gone = new AtomicBoolean();
            conn.notificationHandler(notification -> notified(notification.getChannel(), notification.getPayload()));
            conn.closeHandler(closed -> lost(conn, gone, null));
            conn.exceptionHandler(failure -> lost(conn, gone, failure));
            List<String> names = new ArrayList<>(channels.keySet());
            conn.query(listen(names)).execute().onSuccess(listening -> {
                List<String> late;
                synchronized (this) {
                    connection = conn;
                    late = channels.keySet().stream().filter(name -> !names.contains(name)).toList();
                }
                if (!late.isEmpty()) {
                    conn.query(listen(late)).execute();
                }
                LOG.debugf("Listening for notifications on %s", channels.keySet());
                vertx.setPeriodic(CHECK_EVERY_MS, timer -> check(conn, gone, timer));
                channels.values().forEach(subscribers -> subscribers.forEach(subscriber -> subscriber.onReconnected().run()));
            }).onFailure(failure -> lost(conn, gone, failure));
        }).onFailure(this::retry);
    }

    /** LISTEN statements for the channels (names are this code's constants, quoted all the same); none: a no-op. */
    private static String listen(List<String> names) {
        return names.isEmpty() ? "SELECT 1"
                : String.join("; ", names.stream().map(name -> "LISTEN \"" + name.replace("\"", "\"\"") + "\"").toList());
    }

    /** Asks the connection a question: no answer within {@value #CHECK_TIMEOUT_MS} ms, and it is given up. */
    private void check(PgConnection conn, AtomicBoolean gone, long timer) {
        if (gone.get()) {
            vertx.cancelTimer(timer);
            return;
        }
        AtomicBoolean answered = new AtomicBoolean();
        long deadline = vertx.setTimer(CHECK_TIMEOUT_MS, t -> {
            if (!answered.get()) {
                lost(conn, gone, new TimeoutException("no answer to a check within " + CHECK_TIMEOUT_MS + " ms"));
            }
        });
        conn.query("SELECT 1").execute().onComplete(result -> {
            answered.set(true);
            vertx.cancelTimer(deadline);
            if (result.failed()) {
                lost(conn, gone, result.cause());
            }
        });
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
        LOG.warnf("Notification connection to PostgreSQL lost (%s); reconnecting in %s",
                failure == null ? "closed" : failure.getMessage(), config.events().reconnectDelay());
        vertx.setTimer(Math.max(1, config.events().reconnectDelay().toMillis()), timer -> connect());
    }
}
