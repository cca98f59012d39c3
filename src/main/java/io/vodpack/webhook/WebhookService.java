package io.vodpack.webhook;

import java.net.URI;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vodpack.access.Caller;
import io.vodpack.core.async.Async;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.error.ProblemException;
import io.vodpack.webhook.WebhookViews.AttemptView;
import io.vodpack.webhook.WebhookViews.DeliveryView;
import io.vodpack.webhook.WebhookViews.WebhookView;

/** Registers, lists and removes the caller's webhooks, and shows their deliveries. */
@ApplicationScoped
public class WebhookService {

    /** The event types a webhook may ask for. */
    public static final Set<String> EVENT_TYPES = Set.of("input_content.ready", "packaged_content.done",
            "packaged_content.failed", "packaged_content.cancelled");

    /** Deliveries GET /webhooks/{id}/deliveries shows, newest first. */
    static final int DELIVERIES_SHOWN = 100;

    private final Pool pool;
    private final WebhookTables tables;
    private final Caller caller;
    private final Async async;
    private final VodpackConfig config;

    public WebhookService(Pool pool, WebhookTables tables, Caller caller, Async async, VodpackConfig config) {
        this.pool = pool;
        this.tables = tables;
        this.caller = caller;
        this.async = async;
        this.config = config;
    }

    public Uni<WebhookView> create(WebhookViews.WebhookRequest request) {
        if (request == null) {
            throw ProblemException.badRequest("invalid-request", "A body {\"url\": …, \"events\": [...]} is required.");
        }
        URI url = WebhookTargets.parse(request.url());
        List<String> events = request.events() == null ? List.of() : request.events().stream().distinct().sorted().toList();
        if (events.isEmpty() || !EVENT_TYPES.containsAll(events)) {
            throw ProblemException.badRequest("invalid-events", "'events' must list one or more of "
                    + EVENT_TYPES.stream().sorted().toList() + "; got " + request.events() + ".");
        }
        String owner = caller.owner();
        String secret = WebhookSignature.newSecret();
        boolean allowPrivate = config.webhooks().allowPrivate();
        // Resolving the host blocks: worker thread; the insert follows on the caller's event loop.
        return async.blocking(() -> WebhookTargets.check(url, allowPrivate))
                .chain(() -> pool.preparedQuery("INSERT INTO " + tables.webhook() + " (owner, url, events, secret) "
                        + "VALUES ($1, $2, $3, $4) RETURNING id, created_at")
                        .execute(Tuple.of(owner, url.toString(), events.toArray(String[]::new), secret)))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new WebhookView(row.getLong("id"), url.toString(), events, secret,
                            row.getOffsetDateTime("created_at"));
                });
    }

    public Uni<List<WebhookView>> list() {
        String owner = caller.ownerFilter();
        return pool.preparedQuery("SELECT id, url, events, created_at FROM " + tables.webhook()
                + " WHERE $1::varchar IS NULL OR owner = $1 ORDER BY id").execute(Tuple.of(owner))
                .map(rows -> {
                    List<WebhookView> views = new ArrayList<>();
                    rows.forEach(row -> views.add(view(row)));
                    return views;
                });
    }

    /** Removes the caller's webhook and its deliveries; 404 when unknown or another owner's. */
    public Uni<Void> delete(long id) {
        String owner = caller.ownerFilter();
        return pool.preparedQuery("DELETE FROM " + tables.webhook() + " WHERE id = $1 AND ($2::varchar IS NULL OR owner = $2)")
                .execute(Tuple.of(id, owner))
                .map(rows -> {
                    if (rows.rowCount() == 0) {
                        throw notFound(id);
                    }
                    return null;
                });
    }

    /** The newest deliveries of the caller's webhook, each with its attempts; 404 when unknown or another owner's. */
    public Uni<List<DeliveryView>> deliveries(long id) {
        String owner = caller.ownerFilter();
        return pool.preparedQuery("SELECT id FROM " + tables.webhook() + " WHERE id = $1 AND ($2::varchar IS NULL OR owner = $2)")
                .execute(Tuple.of(id, owner))
                .flatMap(found -> {
                    if (found.size() == 0) {
                        throw notFound(id);
                    }
                    return pool.preparedQuery("SELECT d.*, a.attempted_at, a.status_code, a.error, a.duration_ms FROM "
                            + "(SELECT * FROM " + tables.delivery() + " WHERE webhook_id = $1 ORDER BY id DESC LIMIT "
                            + DELIVERIES_SHOWN + ") d LEFT JOIN " + tables.attempt()
                            + " a ON a.delivery_id = d.id ORDER BY d.id DESC, a.id").execute(Tuple.of(id));
                })
                .map(rows -> {
                    Map<Long, DeliveryView> deliveries = new LinkedHashMap<>();
                    Map<Long, List<AttemptView>> attempts = new LinkedHashMap<>();
                    rows.forEach(row -> {
                        long deliveryId = row.getLong("id");
                        deliveries.computeIfAbsent(deliveryId, key -> delivery(row, attempts.computeIfAbsent(key,
                                k -> new ArrayList<>())));
                        OffsetDateTime attemptedAt = row.getOffsetDateTime("attempted_at");
                        if (attemptedAt != null) {
                            attempts.get(deliveryId).add(new AttemptView(attemptedAt, row.getInteger("status_code"),
                                    row.getString("error"), row.getInteger("duration_ms")));
                        }
                    });
                    return List.copyOf(deliveries.values());
                });
    }

    private static DeliveryView delivery(Row row, List<AttemptView> attempts) {
        return new DeliveryView(row.getLong("id"), row.getString("message_id"), row.getString("event_type"),
                row.getLong("resource_id"), row.getOffsetDateTime("occurred_at"), row.getString("status"),
                row.getInteger("attempts"), "PENDING".equals(row.getString("status")) ? row.getOffsetDateTime("next_attempt_at") : null,
                row.getOffsetDateTime("finished_at"), attempts);
    }

    private static WebhookView view(Row row) {
        return new WebhookView(row.getLong("id"), row.getString("url"),
                Arrays.asList(row.getArrayOfStrings("events")), null, row.getOffsetDateTime("created_at"));
    }

    private static ProblemException notFound(long id) {
        return ProblemException.notFound("No webhook with id " + id + ".");
    }
}
