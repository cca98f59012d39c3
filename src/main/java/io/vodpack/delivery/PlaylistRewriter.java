package io.vodpack.delivery;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import io.vertx.core.http.HttpServerRequest;
import io.vodpack.access.playback.PlaybackTokens;
import io.vodpack.core.config.PublicUrls;

/**
 * The one place where a served HLS playlist gets its token: the playlists on disk carry none. Every playlist a
 * playlist names (the master's variants and renditions) gets the request's playback token, so that the master
 * playlist's URL alone plays; every {@code EXT-X-KEY} URI becomes absolute (base from {@code vodpack.public-base-url}
 * or the request, as for the MPD's license URL) and carries the token too, so the player can fetch the key. On disk a
 * key URI is either relative (one key for the content) or the KID of the playlist's segments
 * ({@code data:text/plain;base64,<KID>}, separate keys); the latter becomes the content's key URI naming that KID
 * ({@code ?kid=}), so each media playlist fetches its own key. Segment and init segment URIs stay as they are:
 * segments are public (encrypted).
 */
@ApplicationScoped
public class PlaylistRewriter {

    private static final Pattern URI_ATTRIBUTE = Pattern.compile("((?:^|[:,])URI=\")([^\"]*)(\")");
    /** How the packager names a playlist's KID when it writes no key URI of its own. */
    private static final String KID_DATA_URI = "data:text/plain;base64,";

    private final PublicUrls urls;

    public PlaylistRewriter(PublicUrls urls) {
        this.urls = urls;
    }

    /** The absolute URL this playlist was requested at (the base its relative URIs resolve against). */
    String playlistUrl(HttpServerRequest request) {
        return urls.base(request) + request.path();
    }

    /** The absolute key URI of content {@code id} for this request, without query. */
    String keyUrl(HttpServerRequest request, long id) {
        return urls.base(request) + "/license/hls/" + id;
    }

    /**
     * The playlist as served for {@code playlistUrl} with {@code token}; {@code keyUrl} is the content's key URI
     * ({@link #keyUrl}). Small documents, no blocking.
     */
    byte[] withToken(byte[] playlist, String playlistUrl, String keyUrl, String token) {
        String query = PlaybackTokens.query(token);
        URI base = URI.create(playlistUrl);
        StringBuilder out = new StringBuilder(playlist.length + 256);
        for (String line : new String(playlist, StandardCharsets.UTF_8).split("\n", -1)) {
            String text = line.strip();
            if (text.startsWith("#EXT-X-KEY:") || text.startsWith("#EXT-X-SESSION-KEY:")) {
                line = replaceUri(line, uri -> withQuery(keyUri(uri, base, keyUrl), query));
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

    /** A key URI as on disk made absolute: relative to the playlist, or the content's key URI for a KID. */
    private static String keyUri(String uri, URI playlist, String keyUrl) {
        if (!uri.startsWith(KID_DATA_URI)) {
            return playlist.resolve(uri).toString();
        }
        byte[] kid;
        try {
            kid = Base64.getDecoder().decode(uri.substring(KID_DATA_URI.length()));
        } catch (IllegalArgumentException notBase64) {
            return uri;
        }
        return kid.length != 16 ? uri : keyUrl + "?kid=" + Base64.getUrlEncoder().withoutPadding().encodeToString(kid);
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
