package io.vodpack.core.config;

import jakarta.enterprise.context.ApplicationScoped;

import io.vertx.core.http.HttpServerRequest;

/**
 * The base URL clients reach this service at: {@code vodpack.public-base-url} when set, else the
 * request's scheme and host (which honour Forwarded / X-Forwarded-* when TRUST_FORWARDED_HEADERS is on).
 */
@ApplicationScoped
public class PublicUrls {

    private final VodpackConfig config;

    public PublicUrls(VodpackConfig config) {
        this.config = config;
    }

    public String base(HttpServerRequest request) {
        return config.publicBaseUrl().map(PublicUrls::trimSlash)
                .orElseGet(() -> request.scheme() + "://" + request.host());
    }

    private static String trimSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
