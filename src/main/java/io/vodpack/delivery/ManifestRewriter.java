package io.vodpack.delivery;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.Config;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

import io.quarkus.runtime.StartupEvent;
import io.vertx.core.http.HttpServerRequest;
import io.vodpack.access.playback.PlaybackTokens;
import io.vodpack.core.config.PublicUrls;
import io.vodpack.core.config.VodpackConfig;

/**
 * The one place where a served MPD gets its absolute license URL. The MPD on disk carries a relative
 * {@code dashif:Laurl} (no host and no token is ever stored); here it becomes
 * {@code <base>/license/clearkey/<job>?token=<the playback token of the request>}, with the base
 * from {@code vodpack.public-base-url}, or from the request when no base is configured and forwarded headers are
 * not trusted. Start-up is refused when forwarded headers are trusted but no public base URL is set: a client's
 * X-Forwarded-Host would otherwise choose the host players fetch keys from.
 */
@ApplicationScoped
public class ManifestRewriter {

    private static final String DASHIF_NS = "https://dashif.org/CPS";

    private final PublicUrls urls;

    public ManifestRewriter(PublicUrls urls) {
        this.urls = urls;
    }

    void checkOnStart(@Observes StartupEvent event, VodpackConfig config, Config all) {
        requireBaseUrlWhenForwardedHeadersAreTrusted(
                all.getOptionalValue("quarkus.http.proxy.proxy-address-forwarding", Boolean.class).orElse(false),
                config.publicBaseUrl().filter(url -> !url.isBlank()).isPresent());
    }

    /** Refuses the configuration where request headers could choose the URLs players are sent to. */
    static void requireBaseUrlWhenForwardedHeadersAreTrusted(boolean forwardedTrusted, boolean baseUrlSet) {
        if (forwardedTrusted && !baseUrlSet) {
            throw new IllegalStateException("Forwarded headers are trusted (TRUST_FORWARDED_HEADERS=true,"
                    + " quarkus.http.proxy.proxy-address-forwarding) but vodpack.public-base-url (VODPACK_PUBLIC_BASE_URL)"
                    + " is not set: set it to the URL clients use, e.g. https://vod.example.com");
        }
    }

    /**
     * The absolute license URL of job {@code id} for this request, carrying the playback token the MPD was fetched
     * with, so that a player given only the MPD URL gets its key.
     */
    String licenseUrl(HttpServerRequest request, long id, String token) {
        return urls.base(request) + "/license/clearkey/" + id + "?" + PlaybackTokens.query(token);
    }

    /** The MPD as served: every {@code dashif:Laurl} replaced by {@code licenseUrl}. Blocking-free, small documents. */
    byte[] withLicenseUrl(byte[] mpd, String licenseUrl) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document doc = factory.newDocumentBuilder().parse(new ByteArrayInputStream(mpd));
            NodeList laurls = doc.getElementsByTagNameNS(DASHIF_NS, "Laurl");
            for (int i = 0; i < laurls.getLength(); i++) {
                laurls.item(i).setTextContent(licenseUrl);
            }
            Transformer transformer = TransformerFactory.newInstance().newTransformer();
            transformer.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            ByteArrayOutputStream out = new ByteArrayOutputStream(mpd.length + 256);
            transformer.transform(new DOMSource(doc), new StreamResult(out));
            return out.toByteArray();
        } catch (Exception e) {
            throw new IllegalStateException("A published MPD cannot be read: " + e.getMessage(), e);
        }
    }
}
