package io.vodpack.core.db;

import java.util.List;
import java.util.Optional;

import org.eclipse.microprofile.config.Config;

import io.vertx.core.net.JksOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.PfxOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;

/**
 * The connect options of a dedicated connection (the one that LISTENs), read from the properties the reactive
 * datasource is configured with: URL, user, password, and TLS (ssl mode, trusted CA, client certificate, host name
 * verification), so that {@code DB_SSL_MODE=verify-full} and its CA apply to it exactly as to the pool.
 */
public final class ListenConnectionOptions {

    private static final String REACTIVE = "quarkus.datasource.reactive.";

    private ListenConnectionOptions() {
    }

    /** @throws IllegalStateException for verify-full without a host name verification algorithm, as the pool refuses it */
    public static PgConnectOptions from(Config config) {
        String url = config.getValue(REACTIVE + "url", String.class).replaceFirst("^vertx-reactive:", "");
        PgConnectOptions options = PgConnectOptions.fromUri(url)
                .setUser(config.getOptionalValue("quarkus.datasource.username", String.class).orElse(""))
                .setPassword(config.getOptionalValue("quarkus.datasource.password", String.class).orElse(""));
        SslMode mode = config.getOptionalValue(REACTIVE + "postgresql.ssl-mode", String.class).map(SslMode::of)
                .orElse(SslMode.DISABLE);
        options.setSslMode(mode);
        String algorithm = string(config, "hostname-verification-algorithm").orElse("NONE");
        if (mode == SslMode.VERIFY_FULL && algorithm.equalsIgnoreCase("NONE")) {
            throw new IllegalStateException(REACTIVE + "hostname-verification-algorithm must be set (HTTPS) with verify-full");
        }
        options.setHostnameVerificationAlgorithm(algorithm.equalsIgnoreCase("NONE") ? "" : algorithm);
        options.setTrustAll(config.getOptionalValue(REACTIVE + "trust-all", Boolean.class).orElse(false));

        List<String> caCerts = list(config, "trust-certificate-pem.certs");
        if (enabled(config, "trust-certificate-pem") || !caCerts.isEmpty()) {
            PemTrustOptions trust = new PemTrustOptions();
            caCerts.forEach(trust::addCertPath);
            options.setTrustOptions(trust);
        }
        if (enabled(config, "trust-certificate-jks")) {
            options.setTrustOptions(store(new JksOptions(), config, "trust-certificate-jks"));
        }
        if (enabled(config, "trust-certificate-pfx")) {
            options.setTrustOptions(store(new PfxOptions(), config, "trust-certificate-pfx"));
        }
        List<String> keys = list(config, "key-certificate-pem.keys");
        List<String> certs = list(config, "key-certificate-pem.certs");
        if (enabled(config, "key-certificate-pem") || !keys.isEmpty() || !certs.isEmpty()) {
            PemKeyCertOptions keyCert = new PemKeyCertOptions();
            keys.forEach(keyCert::addKeyPath);
            certs.forEach(keyCert::addCertPath);
            options.setKeyCertOptions(keyCert);
        }
        if (enabled(config, "key-certificate-jks")) {
            options.setKeyCertOptions(store(new JksOptions(), config, "key-certificate-jks"));
        }
        if (enabled(config, "key-certificate-pfx")) {
            options.setKeyCertOptions(store(new PfxOptions(), config, "key-certificate-pfx"));
        }
        return options;
    }

    private static JksOptions store(JksOptions store, Config config, String name) {
        string(config, name + ".path").ifPresent(store::setPath);
        string(config, name + ".password").ifPresent(store::setPassword);
        return store;
    }

    private static PfxOptions store(PfxOptions store, Config config, String name) {
        string(config, name + ".path").ifPresent(store::setPath);
        string(config, name + ".password").ifPresent(store::setPassword);
        return store;
    }

    private static boolean enabled(Config config, String name) {
        return config.getOptionalValue(REACTIVE + name, Boolean.class).orElse(false);
    }

    private static Optional<String> string(Config config, String name) {
        return config.getOptionalValue(REACTIVE + name, String.class).filter(value -> !value.isBlank());
    }

    private static List<String> list(Config config, String name) {
        return config.getOptionalValues(REACTIVE + name, String.class).orElse(List.of());
    }
}
