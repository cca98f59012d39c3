package io.vodpack.support;

import static io.vodpack.support.Api.given;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Proves a packaged stream from the outside: fetches the MPD and every segment over HTTP, decrypts each
 * track with the key (Shaka Packager raw-key decryption) and lists its packets (ffmpeg framemd5).
 */
public final class StreamCheck {

    public static final String MPD_NS = "urn:mpeg:dash:schema:mpd:2011";
    public static final String CENC_NS = "urn:mpeg:cenc:2013";
    public static final Path PACKAGER = Path.of("src/main/npm/node_modules/shaka-packager/bin/packager-linux-x64")
            .toAbsolutePath();

    private StreamCheck() {
    }

    public static Document parse(byte[] xml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
    }

    public static List<Element> elements(Document doc, String localName) {
        NodeList nodes = doc.getElementsByTagNameNS(MPD_NS, localName);
        List<Element> list = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            list.add((Element) nodes.item(i));
        }
        return list;
    }

    /**
     * Downloads init segment + media segments of the adaptation set with {@code contentType}
     * (relative to {@code mpdUrl}) into one file: a fragmented MP4 of the whole encrypted track.
     */
    public static Path downloadTrack(String mpdUrl, Document mpd, String contentType, Path dir) throws IOException {
        String base = mpdUrl.substring(0, mpdUrl.lastIndexOf('/') + 1);
        Element set = elements(mpd, "AdaptationSet").stream()
                .filter(e -> contentType.equals(e.getAttribute("contentType"))).findFirst().orElseThrow();
        Element template = (Element) set.getElementsByTagNameNS(MPD_NS, "SegmentTemplate").item(0);
        int segments = 0;
        NodeList s = template.getElementsByTagNameNS(MPD_NS, "S");
        for (int i = 0; i < s.getLength(); i++) {
            Element e = (Element) s.item(i);
            segments += 1 + (e.getAttribute("r").isEmpty() ? 0 : Integer.parseInt(e.getAttribute("r")));
        }
        Path out = dir.resolve(contentType + "-encrypted.mp4");
        try (OutputStream file = Files.newOutputStream(out)) {
            file.write(fetch(base + template.getAttribute("initialization")));
            int start = Integer.parseInt(template.getAttribute("startNumber"));
            for (int n = start; n < start + segments; n++) {
                file.write(fetch(base + template.getAttribute("media").replace("$Number$", Integer.toString(n))));
            }
        }
        return out;
    }

    /**
     * Downloads one Representation (init segment + media segments, from its own SegmentTemplate or its adaptation
     * set's) into {@code out}: a fragmented MP4 of that encrypted track.
     */
    public static Path downloadRepresentation(String mpdUrl, Element representation, Path out) throws IOException {
        String base = mpdUrl.substring(0, mpdUrl.lastIndexOf('/') + 1);
        Element template = segmentTemplate(representation);
        int segments = 0;
        NodeList s = template.getElementsByTagNameNS(MPD_NS, "S");
        for (int i = 0; i < s.getLength(); i++) {
            Element e = (Element) s.item(i);
            segments += 1 + (e.getAttribute("r").isEmpty() ? 0 : Integer.parseInt(e.getAttribute("r")));
        }
        String id = representation.getAttribute("id");
        try (OutputStream file = Files.newOutputStream(out)) {
            file.write(fetch(base + template.getAttribute("initialization").replace("$RepresentationID$", id)));
            int start = Integer.parseInt(template.getAttribute("startNumber"));
            for (int n = start; n < start + segments; n++) {
                file.write(fetch(base + template.getAttribute("media").replace("$RepresentationID$", id)
                        .replace("$Number$", Integer.toString(n))));
            }
        }
        return out;
    }

    /** The segment timeline a Representation plays by, as text: t, d and r of every S. */
    public static String timeline(Element representation) {
        Element template = segmentTemplate(representation);
        StringBuilder text = new StringBuilder("timescale=" + template.getAttribute("timescale"));
        NodeList s = template.getElementsByTagNameNS(MPD_NS, "S");
        for (int i = 0; i < s.getLength(); i++) {
            Element e = (Element) s.item(i);
            text.append(" [t=").append(e.getAttribute("t")).append(" d=").append(e.getAttribute("d")).append(" r=")
                    .append(e.getAttribute("r")).append(']');
        }
        return text.toString();
    }

    private static Element segmentTemplate(Element representation) {
        NodeList own = representation.getElementsByTagNameNS(MPD_NS, "SegmentTemplate");
        if (own.getLength() > 0) {
            return (Element) own.item(0);
        }
        Element set = (Element) representation.getParentNode();
        for (org.w3c.dom.Node n = set.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && "SegmentTemplate".equals(e.getLocalName())) {
                return e;
            }
        }
        throw new IllegalStateException("representation " + representation.getAttribute("id") + " has no SegmentTemplate");
    }

    private static byte[] fetch(String url) {
        return given().get(url).then().statusCode(200).extract().asByteArray();
    }

    /** Decrypts a cbcs track with the raw key; fails when the packager cannot. */
    public static Path decrypt(Path encrypted, String stream, String kidHex, String keyHex) throws Exception {
        Path out = encrypted.resolveSibling(stream + "-decrypted.mp4");
        run(List.of(PACKAGER.toString(), "in=" + encrypted + ",stream=" + stream + ",output=" + out,
                "--enable_raw_key_decryption", "--keys", "label=:key_id=" + kidHex + ":key=" + keyHex));
        return out;
    }

    /** The MD5 of every packet of the file's first video or audio stream, in order (ffmpeg framemd5, copy). */
    public static List<String> packetHashes(Path file, String stream) throws Exception {
        String output = run(List.of("ffmpeg", "-v", "error", "-nostdin", "-i", file.toString(), "-map", "0:" + stream.charAt(0),
                "-c", "copy", "-f", "framemd5", "-"));
        List<String> hashes = new ArrayList<>();
        for (String line : output.split("\n")) {
            if (!line.matches("^[0-9]+,.*")) {
                continue;
            }
            // stream, dts, pts, duration, size, hash[, side data...]
            hashes.add(line.split(",")[5].strip());
        }
        return hashes;
    }

    public static String run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: "
                    + new String(output, StandardCharsets.UTF_8));
        }
        return new String(output, StandardCharsets.UTF_8);
    }
}
