package io.vodpack.packaging.engine;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import io.vodpack.packaging.ContentKey;

/**
 * Checks an engine's MPD before it is published and completes its ClearKey signalling: the MPD must be
 * static, signal cbcs with {@code cenc:default_KID} equal to the job's KID in every adaptation set, and
 * every init segment and media segment it references must exist. The W3C ClearKey
 * {@code ContentProtection} with the license URL ({@code dashif:Laurl}) is added where missing.
 * Blocking file I/O.
 */
public final class StreamManifest {

    public static final String MPD_NS = "urn:mpeg:dash:schema:mpd:2011";
    public static final String CENC_NS = "urn:mpeg:cenc:2013";
    public static final String DASHIF_NS = "https://dashif.org/CPS";
    public static final String MP4_PROTECTION = "urn:mpeg:dash:mp4protection:2011";
    public static final String CLEARKEY_SYSTEM = "urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e";

    private StreamManifest() {
    }

    /** Thrown when the output does not check out; the message says why, for the job's error detail. */
    public static class InvalidOutputException extends Exception {
        public InvalidOutputException(String message) {
            super(message);
        }
    }

    /**
     * The license URL written into an MPD on disk: relative to {@code /content/<job>/stream.mpd}, so no host is ever
     * stored; delivery makes it absolute when it serves the MPD.
     */
    public static String relativeLicenseUrl(long jobId) {
        return "../../license/clearkey/" + jobId;
    }

    public static void finish(Path mpd, ContentKey kid, String licenseUrl) throws InvalidOutputException, IOException {
        finish(mpd, List.of(kid), licenseUrl);
    }

    /**
     * As {@link #finish(Path, ContentKey, String)} for a job whose tracks are encrypted under several keys (one per
     * DRM label): every adaptation set must name one of {@code kids}, and there may be one video set per key.
     */
    public static void finish(Path mpd, List<ContentKey> kids, String licenseUrl) throws InvalidOutputException, IOException {
        if (!Files.isRegularFile(mpd)) {
            throw new InvalidOutputException("the engine wrote no " + mpd.getFileName());
        }
        Document doc = parse(mpd);
        Element root = doc.getDocumentElement();
        if (!"MPD".equals(root.getLocalName())) {
            throw new InvalidOutputException("stream.mpd has no MPD root element");
        }
        if (!"static".equals(root.getAttribute("type")) && !root.getAttribute("type").isEmpty()) {
            throw new InvalidOutputException("stream.mpd is " + root.getAttribute("type") + ", expected static");
        }
        root.setAttributeNS(XMLConstants.XMLNS_ATTRIBUTE_NS_URI, "xmlns:dashif", DASHIF_NS);
        List<Element> sets = elements(root, "AdaptationSet");
        if (sets.isEmpty()) {
            throw new InvalidOutputException("stream.mpd has no adaptation sets");
        }
        List<String> types = sets.stream().map(StreamManifest::contentType).sorted().toList();
        long videoSets = types.stream().filter("video"::equals).count();
        boolean oneAudio = types.stream().filter("audio"::equals).count() == 1;
        if (!oneAudio || videoSets < 1 || videoSets > kids.size() || types.size() != videoSets + 1) {
            throw new InvalidOutputException("stream.mpd should have one video adaptation set (one per key with separate"
                    + " keys) and one audio adaptation set; it has "
                    + (types.isEmpty() ? "none" : String.join(", ", types)));
        }
        Path base = mpd.getParent();
        for (Element set : sets) {
            String type = contentType(set);
            checkProtection(set, kids, type);
            addClearKey(doc, set, licenseUrl);
            for (Element representation : elements(set, "Representation")) {
                checkSegments(base, set, representation);
            }
        }
        write(doc, mpd);
    }

    /** video or audio, from contentType or else from the mimeType of the set or its first representation. */
    private static String contentType(Element set) {
        if (!set.getAttribute("contentType").isEmpty()) {
            return set.getAttribute("contentType");
        }
        String mime = set.getAttribute("mimeType");
        if (mime.isEmpty()) {
            Element representation = first(set, "Representation");
            mime = representation == null ? "" : representation.getAttribute("mimeType");
        }
        int slash = mime.indexOf('/');
        return slash < 0 ? "unknown" : mime.substring(0, slash);
    }

    private static void checkProtection(Element set, List<ContentKey> kids, String type) throws InvalidOutputException {
        for (Element cp : children(set, "ContentProtection")) {
            if (MP4_PROTECTION.equals(cp.getAttribute("schemeIdUri"))) {
                if (!"cbcs".equals(cp.getAttribute("value"))) {
                    throw new InvalidOutputException("the " + type + " adaptation set is encrypted with '"
                            + cp.getAttribute("value") + "', expected cbcs");
                }
                String defaultKid = cp.getAttributeNS(CENC_NS, "default_KID").toLowerCase(Locale.ROOT);
                if (kids.stream().noneMatch(kid -> defaultKid.equals(kid.uuid()))) {
                    throw new InvalidOutputException("the " + type + " adaptation set names default_KID '" + defaultKid
                            + "', not the job's KID");
                }
                return;
            }
        }
        throw new InvalidOutputException("the " + type + " adaptation set is not signalled as encrypted (no "
                + MP4_PROTECTION + " ContentProtection)");
    }

    private static void addClearKey(Document doc, Element set, String licenseUrl) {
        for (Element cp : children(set, "ContentProtection")) {
            if (CLEARKEY_SYSTEM.equalsIgnoreCase(cp.getAttribute("schemeIdUri"))) {
                set.removeChild(cp);
            }
        }
        Element clearKey = doc.createElementNS(MPD_NS, "ContentProtection");
        clearKey.setAttribute("schemeIdUri", CLEARKEY_SYSTEM);
        clearKey.setAttribute("value", "ClearKey1.0");
        Element laurl = doc.createElementNS(DASHIF_NS, "dashif:Laurl");
        laurl.setTextContent(licenseUrl);
        clearKey.appendChild(laurl);
        // Keep ContentProtection elements together, before the first Representation or other child.
        List<Element> existing = children(set, "ContentProtection");
        Node after = existing.isEmpty() ? set.getFirstChild() : existing.get(existing.size() - 1).getNextSibling();
        set.insertBefore(clearKey, after);
    }

    private static void checkSegments(Path base, Element set, Element representation) throws InvalidOutputException {
        Element template = first(representation, "SegmentTemplate");
        if (template == null) {
            template = first(set, "SegmentTemplate");
        }
        if (template == null) {
            Element baseUrl = first(representation, "BaseURL");
            if (baseUrl == null) {
                throw new InvalidOutputException("representation " + representation.getAttribute("id")
                        + " has neither a SegmentTemplate nor a BaseURL");
            }
            requireFile(base, baseUrl.getTextContent().strip());
            return;
        }
        String id = representation.getAttribute("id");
        String bandwidth = representation.getAttribute("bandwidth");
        String init = template.getAttribute("initialization");
        if (!init.isEmpty()) {
            requireFile(base, expand(init, id, bandwidth, 0, 0));
        }
        String media = template.getAttribute("media");
        long number = template.getAttribute("startNumber").isEmpty() ? 1 : Long.parseLong(template.getAttribute("startNumber"));
        Element timeline = first(template, "SegmentTimeline");
        int count = 0;
        if (timeline != null) {
            long time = 0;
            for (Element s : children(timeline, "S")) {
                if (!s.getAttribute("t").isEmpty()) {
                    time = Long.parseLong(s.getAttribute("t"));
                }
                long duration = Long.parseLong(s.getAttribute("d"));
                int repeat = s.getAttribute("r").isEmpty() ? 0 : Integer.parseInt(s.getAttribute("r"));
                for (int i = 0; i <= repeat; i++) {
                    requireFile(base, expand(media, id, bandwidth, number++, time));
                    time += duration;
                    count++;
                }
            }
        } else {
            while (Files.isRegularFile(base.resolve(expand(media, id, bandwidth, number, 0)))) {
                number++;
                count++;
            }
        }
        if (count == 0) {
            throw new InvalidOutputException("representation " + id + " has no media segments");
        }
    }

    private static String expand(String template, String id, String bandwidth, long number, long time) {
        String s = template.replace("$RepresentationID$", id).replace("$Bandwidth$", bandwidth)
                .replace("$Number$", Long.toString(number)).replace("$Time$", Long.toString(time));
        return s.replace("$$", "$");
    }

    private static void requireFile(Path base, String relative) throws InvalidOutputException {
        Path file = base.resolve(relative).normalize();
        if (relative.contains("://") || !file.startsWith(base) || !Files.isRegularFile(file)) {
            throw new InvalidOutputException("stream.mpd references " + relative + ", which the engine did not write");
        }
    }

    private static Document parse(Path mpd) throws InvalidOutputException {
        try {
            // The JDK's own parser: newInstance() would search the class path for another one on every job.
            DocumentBuilderFactory factory = DocumentBuilderFactory.newDefaultInstance();
            factory.setNamespaceAware(true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            DocumentBuilder builder = factory.newDocumentBuilder();
            return builder.parse(mpd.toFile());
        } catch (Exception e) {
            throw new InvalidOutputException("stream.mpd is not well-formed XML: " + e.getMessage());
        }
    }

    private static void write(Document doc, Path mpd) throws IOException {
        try (OutputStream out = Files.newOutputStream(mpd)) {
            Transformer transformer = TransformerFactory.newDefaultInstance().newTransformer();
            transformer.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            transformer.transform(new DOMSource(doc), new StreamResult(out));
        } catch (javax.xml.transform.TransformerException e) {
            throw new IOException("Cannot write " + mpd, e);
        }
    }

    private static List<Element> elements(Element root, String localName) {
        NodeList nodes = root.getElementsByTagNameNS(MPD_NS, localName);
        List<Element> list = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            list.add((Element) nodes.item(i));
        }
        return list;
    }

    private static List<Element> children(Element parent, String localName) {
        List<Element> list = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && localName.equals(e.getLocalName())) {
                list.add(e);
            }
        }
        return list;
    }

    private static Element first(Element parent, String localName) {
        List<Element> list = children(parent, localName);
        return list.isEmpty() ? null : list.get(0);
    }
}
