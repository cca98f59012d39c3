package io.vodpack.access.apikey;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vodpack.core.db.SqlNames;
import io.vodpack.access.Scope;
import io.vodpack.core.config.VodpackConfig;

/**
 * Answers "which key is this secret?" on every authenticated request. One indexed lookup by hash, remembered
 * for {@code vodpack.security.key-cache} (2 s), so a revocation on any replica takes effect on every replica
 * within that time without a query per request. {@code last_used_at} is written at most once a minute per key.
 */
@ApplicationScoped
public class ApiKeyVerifier {

    private static final Logger LOG = Logger.getLogger(ApiKeyVerifier.class);
    private static final Duration TOUCH_EVERY = Duration.ofMinutes(1);
    /** Bounds the cache: hostile clients sending random keys must not grow it without limit. */
    private static final int MAX_CACHED = 10_000;

    /** A key that checked out: who it belongs to and what it may do. */
    public record VerifiedKey(long id, String prefix, String owner, Set<Scope> scopes) {
    }

    private record Cached(Optional<VerifiedKey> key, long expiresAtNanos) {
    }

    private final Pool pool;
    private final String table;
    private final long cacheNanos;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final Map<Long, Long> touchedAtNanos = new ConcurrentHashMap<>();

    public ApiKeyVerifier(Pool pool, VodpackConfig config, @ConfigProperty(name = "db.schema") String schema) {
        this.pool = pool;
        this.table = SqlNames.table(schema, "api_key");
        this.cacheNanos = config.security().keyCache().toNanos();
    }

    /** The key with this secret, if it exists and is not revoked. */
    public Uni<Optional<VerifiedKey>> verify(String secret) {
        String hash = ApiKeySecret.hash(secret);
        Cached cached = cache.get(hash);
        long now = System.nanoTime();
        if (cached != null && now - cached.expiresAtNanos() < 0) {
            cached.key().ifPresent(this::touch);
            return Uni.createFrom().item(cached.key());
        }
        return pool.preparedQuery("SELECT id, prefix, owner, scopes FROM " + table
                + " WHERE secret_sha256 = $1 AND revoked_at IS NULL").execute(Tuple.of(hash))
                .map(rows -> rows.size() == 0 ? Optional.<VerifiedKey>empty() : Optional.of(toKey(rows.iterator().next())))
                .invoke(key -> {
                    if (cache.size() >= MAX_CACHED) {
                        cache.clear();
                    }
                    cache.put(hash, new Cached(key, System.nanoTime() + cacheNanos));
                    key.ifPresent(this::touch);
                });
    }

    /** Forgets what this replica remembers of a key (after a revocation here; other replicas wait out the cache). */
    public void forget(String secretSha256) {
        cache.remove(secretSha256);
    }

    private static VerifiedKey toKey(Row row) {
        return new VerifiedKey(row.getLong("id"), row.getString("prefix"), row.getString("owner"),
                ApiKey.parseScopes(row.getString("scopes")));
    }

    private void touch(VerifiedKey key) {
        long now = System.nanoTime();
        Long last = touchedAtNanos.get(key.id());
        if (last != null && now - last < TOUCH_EVERY.toNanos()) {
            return;
        }
        touchedAtNanos.put(key.id(), now);
        pool.preparedQuery("UPDATE " + table + " SET last_used_at = now() WHERE id = $1").execute(Tuple.of(key.id()))
                .subscribe().with(rows -> {
                }, failure -> LOG.debugf("Could not record the use of key %s: %s", key.prefix(), failure.getMessage()));
    }
}
