package io.vodpack.access.playback;

import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jose4j.jwk.EllipticCurveJsonWebKey;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.lang.JoseException;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

import io.vodpack.core.db.SqlNames;
import io.vodpack.core.lifecycle.StartupOrder;

/**
 * The ES256 keys that sign playback tokens, kept in PostgreSQL so that every replica signs and verifies with
 * the same set. The newest key that is not retired signs; every key that is not retired verifies, so a new key
 * ({@link #rotate}) never breaks tokens already handed out. The public halves are published as a JWK Set.
 * Replicas re-read the set every minute, and at once after a rotation of their own.
 */
@ApplicationScoped
public class SigningKeys {

    private static final Logger LOG = Logger.getLogger(SigningKeys.class);

    /** The signing key and the verification set, swapped as a whole. */
    record KeySet(String signingKid, PrivateKey signingKey, String jwks) {
    }

    private final Pool pool;
    private final String table;
    private volatile KeySet current;

    public SigningKeys(Pool pool, @ConfigProperty(name = "db.schema") String schema) {
        this.pool = pool;
        this.table = SqlNames.table(schema, "signing_key");
    }

    KeySet current() {
        return current;
    }

    /** The public keys, as served at /.well-known/jwks.json. */
    public String jwks() {
        return current.jwks();
    }

    void onStart(@Observes @Priority(StartupOrder.PREPARE) StartupEvent event) {
        // Replicas starting together take turns, so that only one creates the first key.
        pool.withTransaction(connection -> connection.query("SELECT pg_advisory_xact_lock(7612002)").execute()
                .flatMap(locked -> connection.query("SELECT 1 FROM " + table + " WHERE retired_at IS NULL").execute())
                .flatMap(rows -> rows.size() > 0 ? Uni.createFrom().voidItem() : insertNewKey(connection)))
                .flatMap(v -> load()).await().atMost(Duration.ofSeconds(30));
    }

    /** Creates a new signing key: it signs from now on; older keys keep verifying until retired. */
    public Uni<String> rotate() {
        return pool.withTransaction(this::insertNewKey).flatMap(v -> load()).map(v -> current.signingKid());
    }

    private Uni<Void> insertNewKey(io.vertx.mutiny.sqlclient.SqlConnection connection) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            var pair = generator.generateKeyPair();
            EllipticCurveJsonWebKey jwk = new EllipticCurveJsonWebKey((ECPublicKey) pair.getPublic());
            jwk.setPrivateKey(pair.getPrivate());
            String kid = UUID.randomUUID().toString();
            jwk.setKeyId(kid);
            jwk.setUse("sig");
            jwk.setAlgorithm("ES256");
            String privateJwk = jwk.toJson(JsonWebKey.OutputControlLevel.INCLUDE_PRIVATE);
            String publicJwk = jwk.toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
            LOG.infof("New playback token signing key %s", kid);
            return connection.preparedQuery("INSERT INTO " + table + " (kid, private_jwk, public_jwk, created_at)"
                    + " VALUES ($1, $2, $3, now())").execute(Tuple.of(kid, privateJwk, publicJwk)).replaceWithVoid();
        } catch (java.security.GeneralSecurityException e) {
            return Uni.createFrom().failure(new IllegalStateException("cannot generate an EC P-256 key", e));
        }
    }

    @Scheduled(every = "1m", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> load() {
        return pool.query("SELECT kid, private_jwk, public_jwk FROM " + table
                + " WHERE retired_at IS NULL ORDER BY created_at DESC, kid").execute().map(rows -> {
                    List<JsonWebKey> publicKeys = new ArrayList<>();
                    PublicJsonWebKey signing = null;
                    for (Row row : rows) {
                        try {
                            PublicJsonWebKey key = PublicJsonWebKey.Factory.newPublicJwk(row.getString("private_jwk"));
                            if (signing == null) {
                                signing = key;
                            }
                            publicKeys.add(PublicJsonWebKey.Factory.newPublicJwk(row.getString("public_jwk")));
                        } catch (JoseException e) {
                            LOG.errorf("Signing key %s cannot be read: %s", row.getString("kid"), e.getMessage());
                        }
                    }
                    if (signing == null) {
                        throw new IllegalStateException("no usable playback token signing key in " + table);
                    }
                    current = new KeySet(signing.getKeyId(), signing.getPrivateKey(),
                            new JsonWebKeySet(publicKeys).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));
                    return null;
                });
    }
}
