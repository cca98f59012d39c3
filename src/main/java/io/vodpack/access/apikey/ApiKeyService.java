package io.vodpack.access.apikey;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vodpack.core.db.SqlNames;
import io.vodpack.access.Scope;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.lifecycle.StartupOrder;

/** Creates, lists and revokes API keys, and makes sure an admin key exists from the first start. */
@ApplicationScoped
public class ApiKeyService {

    private static final Logger LOG = Logger.getLogger(ApiKeyService.class);
    private static final Pattern OWNER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    static final String ADMIN_OWNER = "admin";
    private static final int MIN_ENV_KEY = 32;

    private final ApiKeyRepository keys;
    private final ApiKeyVerifier verifier;
    private final VodpackConfig config;
    private final Pool pool;
    private final String table;

    public ApiKeyService(ApiKeyRepository keys, ApiKeyVerifier verifier, VodpackConfig config, Pool pool,
            @ConfigProperty(name = "db.schema") String schema) {
        this.keys = keys;
        this.verifier = verifier;
        this.config = config;
        this.pool = pool;
        this.table = SqlNames.table(schema, "api_key");
    }

    /** A key just created, with its secret: the only time the secret is ever shown. */
    public record Created(ApiKey key, String secret) {
    }

    public Uni<Created> create(String owner, List<String> scopeNames) {
        if (owner == null || !OWNER.matcher(owner).matches()) {
            throw ProblemException.badRequest("invalid-owner",
                    "'owner' must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        }
        Set<Scope> scopes = parse(scopeNames);
        String secret = ApiKeySecret.generate();
        ApiKey key = new ApiKey();
        key.prefix = ApiKeySecret.shownPrefix(secret);
        key.secretSha256 = ApiKeySecret.hash(secret);
        key.owner = owner;
        key.scopes = ApiKey.formatScopes(scopes);
        key.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        return Panache.withTransaction(() -> keys.persist(key)).map(saved -> {
            LOG.infof("API key %d (%s…) created for owner '%s' with scopes %s", saved.id, saved.prefix, owner, saved.scopes);
            return new Created(saved, secret);
        });
    }

    private static Set<Scope> parse(List<String> names) {
        if (names == null || names.isEmpty()) {
            throw ProblemException.badRequest("invalid-scopes", "'scopes' must list at least one of " + allScopes() + ".");
        }
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String name : names) {
            scopes.add(Scope.of(name).orElseThrow(() -> ProblemException.badRequest("invalid-scopes",
                    "Unknown scope '" + name + "'; scopes are " + allScopes() + ".")));
        }
        return scopes;
    }

    private static String allScopes() {
        return String.join(", ", EnumSet.allOf(Scope.class).stream().map(Scope::role).toList());
    }

    public Uni<List<ApiKey>> list(int page, int size) {
        return Panache.withSession(() -> keys.page(page, size));
    }

    /** Revokes a key; the last active admin key cannot be revoked (nobody could manage keys any more). */
    public Uni<ApiKey> revoke(long id) {
        return Panache.withTransaction(() -> keys.findById(id)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("No API key with id " + id + "."))
                .call(key -> key.revokedAt != null || !key.scopeSet().contains(Scope.ADMIN) ? Uni.createFrom().voidItem()
                        : keys.activeAdminsOtherThan(id).invoke(others -> {
                                    if (others == 0) {
                                        throw ProblemException.conflict("last-admin-key", "API key " + id
                                                + " is the last active admin key; create another admin key first.");
                                    }
                                }))
                .invoke(key -> {
                    if (key.revokedAt == null) {
                        key.revokedAt = OffsetDateTime.now(ZoneOffset.UTC);
                        LOG.infof("API key %d (%s…) of owner '%s' revoked", key.id, key.prefix, key.owner);
                    }
                    verifier.forget(key.secretSha256);
                }));
    }

    /**
     * Start-up: the key in {@code VODPACK_ADMIN_API_KEY} becomes an admin key; without one, and with no active
     * admin key in the database, a key is generated and printed once. Replicas starting together take turns
     * (an advisory lock), so only one key is generated.
     */
    void bootstrap(@Observes @Priority(StartupOrder.PREPARE) StartupEvent event) {
        String fromEnvironment = config.security().adminApiKey().map(String::strip).filter(s -> !s.isEmpty()).orElse(null);
        if (fromEnvironment != null && fromEnvironment.length() < MIN_ENV_KEY) {
            throw new IllegalStateException("VODPACK_ADMIN_API_KEY (vodpack.security.admin-api-key) must be at least "
                    + MIN_ENV_KEY + " characters long; it has " + fromEnvironment.length());
        }
        String secret = fromEnvironment != null ? fromEnvironment : ApiKeySecret.generate();
        String insert = "INSERT INTO " + table + " (prefix, secret_sha256, owner, scopes, created_at)"
                + " SELECT $1, $2, $3, 'admin', now()";
        String sql = fromEnvironment != null ? insert + " ON CONFLICT (secret_sha256) DO NOTHING"
                : insert + " WHERE NOT EXISTS (SELECT 1 FROM " + table + " WHERE revoked_at IS NULL"
                        + " AND ',' || scopes || ',' LIKE '%,admin,%')";
        int inserted = pool.withTransaction(connection -> connection.query("SELECT pg_advisory_xact_lock(7612001)").execute()
                .flatMap(locked -> connection.preparedQuery(sql)
                        .execute(Tuple.of(ApiKeySecret.shownPrefix(secret), ApiKeySecret.hash(secret), ADMIN_OWNER))))
                .map(rows -> rows.rowCount()).await().atMost(Duration.ofSeconds(30));
        if (fromEnvironment != null) {
            LOG.infof("Admin API key from VODPACK_ADMIN_API_KEY (%s…) %s", ApiKeySecret.shownPrefix(secret),
                    inserted > 0 ? "registered" : "already registered");
        } else if (inserted > 0) {
            // The one time this secret is shown: the operator copies it from here.
            LOG.warnf("Generated the first admin API key (shown only now; set VODPACK_ADMIN_API_KEY to choose your own): %s",
                    secret);
        }
    }
}
