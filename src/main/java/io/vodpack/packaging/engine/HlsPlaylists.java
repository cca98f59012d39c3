package io.vodpack.packaging.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.vodpack.packaging.ContentKey;
import io.vodpack.packaging.engine.StreamManifest.InvalidOutputException;

/**
 * Checks an engine's HLS output before it is published: {@code master.m3u8} names at least one variant, every media
 * playlist it names exists, ends ({@code EXT-X-ENDLIST}), encrypts from its first segment with
 * {@code EXT-X-KEY:METHOD=SAMPLE-AES,KEYFORMAT="identity"} and the key URI expected for it (the job's relative key
 * URI, or with separate keys the KID of its track), and every init segment and media segment it names was written.
 * Blocking file I/O.
 */
public final class HlsPlaylists {

    /** The master playlist's name, beside {@code stream.mpd}. */
    public static final String MASTER = "master.m3u8";

    private static final Pattern URI = Pattern.compile("(?:^|[:,])URI=\"([^\"]*)\"");
    private static final Pattern METHOD = Pattern.compile("(?:^|[:,])METHOD=([^,]*)");
    private static final Pattern KEYFORMAT = Pattern.compile("(?:^|[:,])KEYFORMAT=\"([^\"]*)\"");

    private HlsPlaylists() {
    }

    /**
     * The key URI written into the media playlists on disk: relative to {@code /content/<job>/<playlist>.m3u8} (media
     * playlists sit beside the master playlist), so no host and no token is ever stored.
     */
    public static String relativeKeyUri(long jobId) {
        return "../../license/hls/" + jobId;
    }

    /**
     * The key URI of a media playlist encrypted under {@code kid} as Shaka Packager writes it when given no key URI:
     * the KID itself, {@code data:text/plain;base64,<KID in padded base64>}. It is public (the KID is in the MPD and
     * every init segment); delivery serves it as the content's key URI naming that KID.
     */
    public static String kidKeyUri(ContentKey kid) {
        return "data:text/plain;base64," + Base64.getEncoder().encodeToString(kid.bytes());
    }

    /** {@link #check(Path, UnaryOperator)} with one key URI for every media playlist. */
    public static void check(Path outputDir, String keyUri) throws InvalidOutputException, IOException {
        check(outputDir, playlist -> keyUri);
    }

    /**
     * Checks the HLS output in {@code outputDir}; {@code keyUriOf} gives the key URI each media playlist (by its name
     * in the master playlist) must name, or null for a playlist the engine was not asked to write.
     */
    public static void check(Path outputDir, UnaryOperator<String> keyUriOf) throws InvalidOutputException, IOException {
        Path master = outputDir.resolve(MASTER);
        if (!Files.isRegularFile(master)) {
            throw new InvalidOutputException("the engine wrote no " + MASTER);
        }
        List<String> lines = lines(master);
        int variants = 0;
        List<String> playlists = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("#EXT-X-STREAM-INF")) {
                variants++;
            } else if (line.startsWith("#EXT-X-MEDIA:") || line.startsWith("#EXT-X-I-FRAME-STREAM-INF:")) {
                Matcher uri = URI.matcher(line);
                if (uri.find()) {
                    playlists.add(uri.group(1));
                }
            } else if (!line.startsWith("#")) {
                playlists.add(line);
            }
        }
        if (variants == 0) {
            throw new InvalidOutputException(MASTER + " names no variant stream");
        }
        for (String playlist : playlists) {
            String keyUri = keyUriOf.apply(playlist);
            if (keyUri == null) {
                throw new InvalidOutputException(MASTER + " names " + playlist + ", a playlist of no track");
            }
            checkMediaPlaylist(outputDir, require(outputDir, outputDir, playlist), playlist, keyUri);
        }
    }

    private static void checkMediaPlaylist(Path outputDir, Path playlist, String name, String keyUri)
            throws InvalidOutputException, IOException {
        List<String> lines = lines(playlist);
        Path base = playlist.getParent();
        boolean keyed = false;
        boolean ended = false;
        int segments = 0;
        for (String line : lines) {
            if (line.startsWith("#EXT-X-KEY:")) {
                String method = attribute(METHOD, line);
                String format = attribute(KEYFORMAT, line);
                String uri = attribute(URI, line);
                if (!"SAMPLE-AES".equals(method) || !"identity".equals(format) || !keyUri.equals(uri)) {
                    throw new InvalidOutputException(name + " has " + line.replaceAll("IV=0x[0-9A-Fa-f]+", "IV=…")
                            + ", expected METHOD=SAMPLE-AES, URI=\"" + keyUri + "\", KEYFORMAT=\"identity\"");
                }
                keyed = true;
            } else if (line.startsWith("#EXT-X-MAP:")) {
                String uri = attribute(URI, line);
                require(outputDir, base, uri == null ? "" : uri);
            } else if (line.equals("#EXT-X-ENDLIST")) {
                ended = true;
            } else if (!line.startsWith("#")) {
                if (!keyed) {
                    throw new InvalidOutputException(name + " names segment " + line + " before any EXT-X-KEY: it would play in the clear");
                }
                require(outputDir, base, line);
                segments++;
            }
        }
        if (segments == 0) {
            throw new InvalidOutputException(name + " names no media segments");
        }
        if (!ended) {
            throw new InvalidOutputException(name + " has no EXT-X-ENDLIST: it is not a finished (VOD) playlist");
        }
    }

    private static String attribute(Pattern pattern, String line) {
        Matcher m = pattern.matcher(line);
        return m.find() ? m.group(1) : null;
    }

    private static Path require(Path outputDir, Path base, String relative) throws InvalidOutputException {
        Path file = base.resolve(relative).normalize();
        if (relative.isEmpty() || relative.contains("://") || !file.startsWith(outputDir) || !Files.isRegularFile(file)) {
            throw new InvalidOutputException("the HLS playlists reference " + relative + ", which the engine did not write");
        }
        return file;
    }

    private static List<String> lines(Path playlist) throws InvalidOutputException, IOException {
        List<String> lines = Files.readAllLines(playlist, StandardCharsets.UTF_8).stream().map(String::strip)
                .filter(line -> !line.isEmpty()).toList();
        if (lines.isEmpty() || !lines.get(0).equals("#EXTM3U")) {
            throw new InvalidOutputException(playlist.getFileName() + " does not start with #EXTM3U");
        }
        return lines;
    }
}
