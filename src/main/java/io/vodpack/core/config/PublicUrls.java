package io.vodpack.core.config;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.vertx.core.http.HttpServerRequest;

/**
 * The base URL clients reach this service at: {@code vodpack.public-base-url} when set, else the
 * request's scheme and host (which honour Forwarded / X-Forwarded-* when TRUST_FORWARDED_HEADERS is on), or, for
 * links made without a request (webhook payloads), this machine's own address.
 */
@ApplicationScoped
public class PublicUrls {

    private final VodpackConfig config;
    private final int port;

    public PublicUrls(VodpackConfig config, @ConfigProperty(name = "quarkus.http.port") int port) {
        this.config = config;
        this.port = port;
    }

    /**
     * The base URL of links made without a request, such as those in webhook payloads: {@code vodpack.public-base-url},
     * else {@code http://localhost:<port>}, which only receivers on this machine can follow.
     */
    public String base() {
        return configured().orElseGet(() -> "http://localhost:" + port);
    }

    /** {@code vodpack.public-base-url} without its trailing slash, when set. */
    public Optional<String> configured() {
        return config.publicBaseUrl().filter(url -> !url.isBlank()).map(PublicUrls::trimSlash);
    }

    public String base(HttpServerRequest request) {
        return configured().orElseGet(() -> request.scheme() + "://" + request.host());
    }

    private static String trimSlash(String url) {
        return url.replaceAll("/+$", "");
    }
}
