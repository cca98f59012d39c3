package io.vodpack.access;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.ext.web.Router;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.error.ProblemMapper;
import io.vodpack.core.config.VodpackConfig;

/**
 * With {@code vodpack.security.allowed-hosts} set, a request whose Host is not one of them gets 421: a page on
 * another site that rebinds its DNS name to this instance's private address cannot talk to it. Health probes
 * are exempt, because orchestrators address them to the pod's IP.
 */
@ApplicationScoped
public class AllowedHosts {

    private final Set<String> hosts;

    public AllowedHosts(VodpackConfig config) {
        this.hosts = config.security().allowedHosts().orElse(List.of()).stream().map(String::strip)
                .map(h -> h.toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty()).collect(Collectors.toUnmodifiableSet());
    }

    void install(@Observes Router router) {
        if (hosts.isEmpty()) {
            return;
        }
        router.route().order(-2000).handler(ctx -> {
            String host = hostName(ctx.request().getHeader("Host"));
            if (hosts.contains(host) || ctx.normalizedPath().startsWith("/q/health")) {
                ctx.next();
                return;
            }
            ProblemMapper.respond(ctx, new ProblemException(421, "unknown-host", "Misdirected request",
                    "This service does not answer to the host name in the request (vodpack.security.allowed-hosts)."));
        });
    }

    /** The host name of a Host header, without the port, lower case; IPv6 literals keep their brackets. */
    static String hostName(String header) {
        if (header == null) {
            return "";
        }
        String h = header.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? h : h.substring(0, end + 1);
        }
        int colon = h.indexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }
}
