package io.vodpack.delivery;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import io.vertx.core.http.HttpServerRequest;
import io.vodpack.core.config.PublicUrls;

/**
 * The one place where a served HLS playlist gets its token: the playlists on disk carry none. Every playlist a
 * playlist names (the master's variants and renditions) gets the request's playback token, so that the master
 * playlist's URL alone plays; every {@code EXT-X-KEY} URI, relative on disk, becomes absolute (base from
 * {@code vodpack.public-base-url} or the request, as for the MPD's license URL) and carries the token too, so the
 * player can fetch the key. Segment and init segment URIs stay as they are: segments are public (encrypted).
 */
@ApplicationScoped
public class PlaylistRewriter {

    private static final Pattern URI_ATTRIBUTE = Pattern.compile("((?:^|[:,])URI=\")([^\"]*)(\")");

    private final PublicUrls urls;

    public PlaylistRewriter(PublicUrls urls) {
        this.urls = urls;
    }

    /** The absolute URL this playlist was requested at (the base its relative URIs resolve against). */
    String playlistUrl(HttpServerRequest request) {
        return urls.base(request) + request.path();
    }

    /** The playlist as served for {@code playlistUrl} with {@code token}. Small documents, no blocking. */
    byte[] withToken(byte[] playlist, String playlistUrl, String token) {
        String query = "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
        URI base = URI.create(playlistUrl);
        StringBuilder out = new StringBuilder(playlist.length + 256);
        for (String line : new String(playlist, StandardCharsets.UTF_8).split("\n", -1)) {
            String text = line.strip();
            if (text.startsWith("#EXT-X-KEY:") || text.startsWith("#EXT-X-SESSION-KEY:")) {
                line = replaceUri(line, uri -> withQuery(base.resolve(uri).toString(), query));
            } else if (text.startsWith("#EXT-X-MEDIA:") || text.startsWith("#EXT-X-I-FRAME-STREAM-INF:")) {
                line = replaceUri(line, uri -> namesPlaylist(uri) ? withQuery(uri, query) : uri);
            } else if (!text.isEmpty() && !text.startsWith("#") && namesPlaylist(text)) {
                line = withQuery(text, query);
            }
            out.append(line).append('\n');
        }
        out.setLength(out.length() - 1);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String replaceUri(String line, UnaryOperator<String> change) {
        Matcher m = URI_ATTRIBUTE.matcher(line);
        return m.find() ? line.substring(0, m.start(2)) + change.apply(m.group(2)) + line.substring(m.end(2)) : line;
    }

    private static boolean namesPlaylist(String uri) {
        int query = uri.indexOf('?');
        return (query < 0 ? uri : uri.substring(0, query)).endsWith(".m3u8");
    }

    private static String withQuery(String uri, String query) {
        return uri + (uri.indexOf('?') < 0 ? "?" : "&") + query;
    }
}
