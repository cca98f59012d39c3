package io.vodpack.core.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.vertx.core.net.JksOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;

/** The LISTEN connection is built from the datasource's own properties, TLS included (as DB_SSL_MODE documents them). */
class ListenConnectionOptionsTest {

    private static Config config(Map<String, String> extra) {
        Map<String, String> properties = new HashMap<>(Map.of(
                "db.ssl-mode", "disable",
                "quarkus.datasource.reactive.url", "postgresql://db.example.com:5433/vod",
                "quarkus.datasource.reactive.postgresql.ssl-mode", "${db.ssl-mode}",
                "quarkus.datasource.username", "vodpack",
                "quarkus.datasource.password", "s3cret"));
        properties.putAll(extra);
        return new SmallRyeConfigBuilder().addDefaultInterceptors().withSources(new PropertiesConfigSource(properties, "test", 100)).build();
    }

    @Test
    void takesTheDatasourceAddressAndCredentialsWithoutTls() {
        PgConnectOptions options = ListenConnectionOptions.from(config(Map.of()));
        assertThat(options.getHost()).isEqualTo("db.example.com");
        assertThat(options.getPort()).isEqualTo(5433);
        assertThat(options.getDatabase()).isEqualTo("vod");
        assertThat(options.getUser()).isEqualTo("vodpack");
        assertThat(options.getPassword()).isEqualTo("s3cret");
        assertThat(options.getSslMode()).isEqualTo(SslMode.DISABLE);
        assertThat(options.getTrustOptions()).isNull();
        assertThat(options.isTrustAll()).isFalse();
    }

    @Test
    void verifyFullTrustsTheConfiguredCaAndChecksTheHostName() {
        PgConnectOptions options = ListenConnectionOptions.from(config(Map.of(
                "db.ssl-mode", "verify-full",
                "quarkus.datasource.reactive.trust-certificate-pem", "true",
                "quarkus.datasource.reactive.trust-certificate-pem.certs", "/deployments/.postgresql/root.crt",
                "quarkus.datasource.reactive.hostname-verification-algorithm", "HTTPS")));
        assertThat(options.getSslMode()).isEqualTo(SslMode.VERIFY_FULL);
        assertThat(options.getTrustOptions()).isInstanceOf(PemTrustOptions.class);
        assertThat(((PemTrustOptions) options.getTrustOptions()).getCertPaths())
                .containsExactly("/deployments/.postgresql/root.crt");
        assertThat(options.getHostnameVerificationAlgorithm()).isEqualTo("HTTPS");
        assertThat(options.isTrustAll()).isFalse();
    }

    @Test
    void verifyCaTrustsTheCaWithoutHostNameCheck() {
        PgConnectOptions options = ListenConnectionOptions.from(config(Map.of(
                "db.ssl-mode", "verify-ca",
                "quarkus.datasource.reactive.trust-certificate-pem.certs", "/ca/a.pem,/ca/b.pem")));
        assertThat(options.getSslMode()).isEqualTo(SslMode.VERIFY_CA);
        assertThat(((PemTrustOptions) options.getTrustOptions()).getCertPaths()).containsExactly("/ca/a.pem", "/ca/b.pem");
        assertThat(options.getHostnameVerificationAlgorithm()).isEmpty();
    }

    @Test
    void verifyFullWithoutHostNameVerificationIsRefusedAsThePoolRefusesIt() {
        assertThatThrownBy(() -> ListenConnectionOptions.from(config(Map.of("db.ssl-mode", "verify-full"))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("hostname-verification-algorithm");
    }

    @Test
    void keyStoresAndClientCertificatesAreTakenToo() {
        PgConnectOptions options = ListenConnectionOptions.from(config(Map.of(
                "db.ssl-mode", "require",
                "quarkus.datasource.reactive.trust-certificate-jks", "true",
                "quarkus.datasource.reactive.trust-certificate-jks.path", "/ca/trust.jks",
                "quarkus.datasource.reactive.trust-certificate-jks.password", "changeit",
                "quarkus.datasource.reactive.key-certificate-pem", "true",
                "quarkus.datasource.reactive.key-certificate-pem.keys", "/tls/client.key",
                "quarkus.datasource.reactive.key-certificate-pem.certs", "/tls/client.crt",
                "quarkus.datasource.reactive.trust-all", "true")));
        assertThat(options.getSslMode()).isEqualTo(SslMode.REQUIRE);
        JksOptions trust = (JksOptions) options.getTrustOptions();
        assertThat(trust.getPath()).isEqualTo("/ca/trust.jks");
        assertThat(trust.getPassword()).isEqualTo("changeit");
        PemKeyCertOptions client = (PemKeyCertOptions) options.getKeyCertOptions();
        assertThat(client.getKeyPaths()).containsExactly("/tls/client.key");
        assertThat(client.getCertPaths()).containsExactly("/tls/client.crt");
        assertThat(options.isTrustAll()).isTrue();
    }
}
