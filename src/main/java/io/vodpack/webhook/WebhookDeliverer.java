package io.vodpack.webhook;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vodpack.core.async.Async;
import io.vodpack.core.config.PublicUrls;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.db.DatabaseNotifications;
import io.vodpack.core.lifecycle.StartupOrder;

/**
 * Sends due webhook deliveries from the outbox as soon as they are committed (a notification on {@value #CHANNEL}
 * wakes it, on every replica; the poll is the fallback and the clock of retries), at least once: a delivery is claimed
 * with a lease (its next attempt moved past the timeout, so no other instance takes it meanwhile), sent, and its
 * attempt recorded; anything but a 2xx answer is tried again with exponential backoff until {@code give-up-after}.
 * Sends are asynchronous and bounded ({@code max-concurrent}), each with a timeout, so a slow or dead receiver holds
 * one slot for at most the timeout and never delays jobs or other receivers.
 */
@ApplicationScoped
public class WebhookDeliverer {

    private static final Logger LOG = Logger.getLogger(WebhookDeliverer.class);

    /** The channel migration V41's trigger announces new outbox rows on. */
    static final String CHANNEL = "vodpack_webhooks";

    private final Pool pool;
    private final WebhookTables tables;
    private final VodpackConfig config;
    private final ObjectMapper json;
    private final Map<String, WebhookEventData> renderers = new LinkedHashMap<>();
    private final Semaphore slots;
    /**
     * Built at the first delivery, not at start: the client sets up TLS (the JDK's trust store) and a selector thread,
     * which an instance that never sends a webhook does not need (start-up time and idle memory, docs/benchmarks.md).
     */
    private final Uni<HttpClient> http;
    private final String baseUrl;
    private final DatabaseNotifications notifications;
    private final Async async;
    private final AtomicLong wakeUps = new AtomicLong();
    private final AtomicBoolean passRunning = new AtomicBoolean();
    /** Set once start-up has readied what rendering an event reads (the playback signing keys); no pass runs before. */
    private volatile boolean started;

    public WebhookDeliverer(Pool pool, WebhookTables tables, VodpackConfig config, ObjectMapper json,
            Instance<WebhookEventData> renderers, PublicUrls urls, DatabaseNotifications notifications, Async async) {
        this.notifications = notifications;
        this.async = async;
        this.pool = pool;
        this.tables = tables;
        this.config = config;
        this.json = json;
        renderers.forEach(renderer -> this.renderers.put(renderer.resourceType(), renderer));
        this.slots = new Semaphore(config.webhooks().maxConcurrent());
        Duration connectTimeout = config.webhooks().timeout();
        this.http = Uni.createFrom().item(() -> HttpClient.newBuilder().connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER).build()).memoize().indefinitely();
        this.baseUrl = urls.base();
    }

    /** A claimed delivery: what to send where. */
    record Due(long id, String messageId, String type, long resourceId, OffsetDateTime occurredAt, int attempt,
            String url, String secret) {
    }

    void start(@Observes @Priority(StartupOrder.CONSUME) StartupEvent startup) {
        started = true;
        notifications.subscribe(CHANNEL, payload -> wake(), this::wake);
    }

    /** Fallback for a missed notification, and the clock of retries: due deliveries go out within this period. */
    @Scheduled(every = "${vodpack.webhooks.poll-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void poll() {
        wake();
    }

    /**
     * There may be due deliveries: one pass sends them, at most one pass runs at a time, and a wake-up that arrives
     * during a pass is never lost (one more pass follows). Safe to call from any thread.
     */
    void wake() {
        if (!started) {
            return; // the scheduler may fire before start-up ends; start() subscribes, and the subscription wakes
        }
        wakeUps.incrementAndGet();
        if (!passRunning.compareAndSet(false, true)) {
            return;
        }
        long seen = wakeUps.get();
        // Rendering reads through Hibernate Reactive, which needs a context of its own: no request gives one here.
        async.onNewContext(this::deliverDue, () -> {
            passRunning.set(false);
            if (wakeUps.get() != seen) {
                wake();
            }
        });
    }

    // Runs on an event loop; it only claims and starts sends, never waits for them.
    private Uni<Void> deliverDue() {
        int free = slots.availablePermits();
        if (free == 0) {
            return Uni.createFrom().voidItem();
        }
        long leaseSeconds = config.webhooks().timeout().toSeconds() + 30;
        return pool.preparedQuery("UPDATE " + tables.delivery() + " d SET attempts = d.attempts + 1, next_attempt_at = now() + "
                + "make_interval(secs => $2) FROM " + tables.webhook() + " w WHERE w.id = d.webhook_id AND d.id IN (SELECT id FROM "
                + tables.delivery() + " WHERE status = 'PENDING' AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT $1 "
                + "FOR UPDATE SKIP LOCKED) RETURNING d.id, d.message_id, d.event_type, d.resource_id, d.occurred_at, "
                + "d.attempts, w.url, w.secret").execute(Tuple.of(free, (double) leaseSeconds))
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .map(WebhookDeliverer::due)
                .onItem().transformToUniAndConcatenate(this::start)
                .collect().last().replaceWithVoid()
                .onFailure().invoke(failure -> LOG.warnf("Looking for due webhook deliveries failed: %s", failure.getMessage()))
                .onFailure().recoverWithNull();
    }

    private static Due due(Row row) {
        return new Due(row.getLong("id"), row.getString("message_id"), row.getString("event_type"),
                row.getLong("resource_id"), row.getOffsetDateTime("occurred_at"), row.getInteger("attempts"),
                row.getString("url"), row.getString("secret"));
    }

    /** Renders the body on this event loop, then sends it detached: the poll goes on while the receiver answers. */
    private Uni<Void> start(Due due) {
        if (!slots.tryAcquire()) {
            return Uni.createFrom().voidItem(); // claimed but no slot: its lease runs out and it is tried again
        }
        return body(due).onItem().invoke(body -> send(due, body)
                .onTermination().invoke(() -> slots.release())
                .subscribe().with(ignored -> {
                }, failure -> LOG.warnf("Webhook delivery %d: recording failed: %s", due.id(), failure.getMessage())))
                .onFailure().invoke(() -> slots.release())
                .replaceWithVoid()
                .onFailure().invoke(failure -> LOG.warnf("Webhook delivery %d: no body: %s", due.id(), failure.getMessage()))
                .onFailure().recoverWithNull();
    }

    private Uni<String> body(Due due) {
        String resourceType = due.type().substring(0, due.type().indexOf('.'));
        WebhookEventData renderer = renderers.get(resourceType);
        Uni<Object> data = renderer == null ? Uni.createFrom().nullItem() : renderer.render(due.resourceId(), baseUrl);
        return data.map(rendered -> {
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("type", due.type());
            event.put("timestamp", due.occurredAt().toInstant().toString());
            event.put("data", rendered == null ? Map.of("id", due.resourceId(), "deleted", true) : rendered);
            try {
                return json.writeValueAsString(event);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private Uni<Void> send(Due due, String body) {
        long started = System.nanoTime();
        OffsetDateTime attemptedAt = OffsetDateTime.now();
        long timestamp = System.currentTimeMillis() / 1000;
        URI target = URI.create(due.url());
        boolean allowPrivate = config.webhooks().allowPrivate();
        return Uni.createFrom().item(() -> {
            WebhookTargets.check(target, allowPrivate); // DNS may have changed since registration
            return HttpRequest.newBuilder(target).timeout(config.webhooks().timeout())
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "vodpack-webhooks")
                    .header("webhook-id", due.messageId())
                    .header("webhook-timestamp", Long.toString(timestamp))
                    .header("webhook-signature", WebhookSignature.sign(due.secret(), due.messageId(), timestamp, body))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        })
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(request -> http.chain(client -> Uni.createFrom()
                        .completionStage(() -> client.sendAsync(request, HttpResponse.BodyHandlers.discarding()))))
                .map(response -> new Outcome(response.statusCode(), null))
                .onFailure().recoverWithItem(failure -> new Outcome(null, describe(failure)))
                .chain(outcome -> record(due, attemptedAt, (int) ((System.nanoTime() - started) / 1_000_000), outcome));
    }

    /** A receiver's answer, or why none came. */
    record Outcome(Integer statusCode, String error) {
        boolean accepted() {
            return statusCode != null && statusCode >= 200 && statusCode < 300;
        }
    }

    private Uni<Void> record(Due due, OffsetDateTime attemptedAt, int durationMs, Outcome outcome) {
        Duration backoff = backoff(due.attempt());
        // A webhook removed meanwhile takes its deliveries along: then nothing is recorded.
        return pool.withTransaction(connection -> connection.preparedQuery("INSERT INTO " + tables.attempt()
                + " (delivery_id, attempted_at, status_code, error, duration_ms) SELECT id, $2, $3, $4, $5 FROM "
                + tables.delivery() + " WHERE id = $1")
                .execute(Tuple.of(due.id(), attemptedAt, outcome.statusCode(), outcome.error(), durationMs))
                .chain(() -> outcome.accepted()
                        ? connection.preparedQuery("UPDATE " + tables.delivery() + " SET status = 'DELIVERED', finished_at = now(), "
                                + "last_status_code = $2, last_error = NULL WHERE id = $1 AND status = 'PENDING'")
                                .execute(Tuple.of(due.id(), outcome.statusCode()))
                        : connection.preparedQuery("UPDATE " + tables.delivery() + " SET last_status_code = $2, last_error = $3, "
                                + "status = CASE WHEN occurred_at + make_interval(secs => $5) <= now() THEN 'GAVE_UP' ELSE 'PENDING' END, "
                                + "finished_at = CASE WHEN occurred_at + make_interval(secs => $5) <= now() THEN now() END, "
                                + "next_attempt_at = now() + make_interval(secs => $4) WHERE id = $1 AND status = 'PENDING'")
                                .execute(Tuple.of(due.id(), outcome.statusCode(),
                                        outcome.error() == null ? "HTTP " + outcome.statusCode() : outcome.error(),
                                        backoff.toMillis() / 1000.0, (double) config.webhooks().giveUpAfter().toSeconds()))))
                .invoke(() -> LOG.debugf("Webhook delivery %d (%s) attempt %d: %s", due.id(), due.type(), due.attempt(),
                        outcome.accepted() ? "accepted" : outcome.error() != null ? outcome.error() : "HTTP " + outcome.statusCode()))
                .replaceWithVoid();
    }

    /** retry-base × 2^(attempt − 1), at most retry-max. */
    Duration backoff(int attempt) {
        Duration wait = config.webhooks().retryBase().multipliedBy(1L << Math.min(attempt - 1, 30));
        return wait.compareTo(config.webhooks().retryMax()) > 0 || wait.isNegative() ? config.webhooks().retryMax() : wait;
    }

    private static String describe(Throwable failure) {
        Throwable cause = failure.getCause() != null && failure instanceof java.util.concurrent.CompletionException
                ? failure.getCause() : failure;
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
