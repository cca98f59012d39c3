package io.vodpack.webhook;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

import io.vodpack.core.error.ProblemException;

/**
 * Which URLs a webhook may call: http or https, and (unless allowed) no loopback, private, link-local or other
 * internal address, so that a webhook cannot make the service reach into its own network (server-side request
 * forgery). Checked when a webhook is registered and again before every attempt (DNS answers change).
 */
public final class WebhookTargets {

    private WebhookTargets() {
    }

    /** The URL as a URI; 400 when it is not an absolute http(s) URL. Does not resolve the host. */
    static URI parse(String url) {
        URI uri;
        try {
            uri = url == null ? null : URI.create(url.strip());
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null || uri.getRawUserInfo() != null
                || !("https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme()))) {
            throw ProblemException.badRequest("invalid-webhook-url",
                    "'url' must be an absolute https (or http) URL without credentials; got '" + url + "'.");
        }
        return uri;
    }

    /**
     * Resolves the host (blocking: call on a worker thread) and refuses internal addresses unless {@code allowPrivate}.
     *
     * @throws ProblemException 400 for an unknown host or a refused address
     */
    public static void check(URI uri, boolean allowPrivate) {
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(uri.getHost());
        } catch (UnknownHostException e) {
            throw ProblemException.badRequest("invalid-webhook-url", "The host of '" + uri + "' does not resolve.");
        }
        if (allowPrivate) {
            return;
        }
        for (InetAddress address : addresses) {
            if (internal(address)) {
                throw ProblemException.badRequest("webhook-url-refused", "'" + uri.getHost() + "' resolves to "
                        + address.getHostAddress() + ", an internal address; webhooks call public addresses only "
                        + "(VODPACK_WEBHOOKS_ALLOW_PRIVATE=true allows others, for local use).");
            }
        }
    }

    static boolean internal(InetAddress address) {
        byte[] b = address.getAddress();
        boolean uniqueLocalV6 = b.length == 16 && (b[0] & 0xfe) == 0xfc;
        boolean sharedV4 = b.length == 4 && (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64; // 100.64.0.0/10
        boolean zeroV4 = b.length == 4 && b[0] == 0;
        return address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()
                || address.isAnyLocalAddress() || address.isMulticastAddress() || uniqueLocalV6 || sharedV4 || zeroV4;
    }
}
