package io.vodpack.access.playback;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jose4j.jwt.consumer.InvalidJwtException;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.jwt.build.Jwt;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.config.VodpackConfig;

/**
 * Short-lived signed tokens that let a viewer, who holds no API key, fetch one packaged content's MPD, license
 * and player. A token is an ES256 JWT (SmallRye JWT) whose subject is the content's id; it carries no key.
 */
@ApplicationScoped
public class PlaybackTokens {

    static final String ISSUER = "vodpack";
    static final String AUDIENCE = "vodpack-playback";

    private final SigningKeys keys;
    private final VodpackConfig config;
    private volatile Verifier verifier;

    private record Verifier(String jwks, DefaultJWTParser parser) {
    }

    public PlaybackTokens(SigningKeys keys, VodpackConfig config) {
        this.keys = keys;
        this.config = config;
    }

    /** The name of the query parameter that carries a playback token. */
    public static final String QUERY_PARAMETER = "token";

    /**
     * {@code token=<token, URL-encoded>}: the one way a URL carries a playback token, for the URLs the API answers and
     * those delivery writes into served MPDs and playlists.
     */
    public static String query(String token) {
        return QUERY_PARAMETER + "=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
    }

    /** A minted token and when it stops working. */
    public record Minted(String token, Instant expiresAt) {
    }

    /** Mints a token for {@code contentId}; {@code ttl} null means the configured default. */
    public Minted mint(long contentId, Duration ttl) {
        Duration lifetime = ttl == null ? config.security().playback().tokenTtl() : ttl;
        Duration max = config.security().playback().maxTokenTtl();
        if (lifetime.isNegative() || lifetime.isZero() || lifetime.compareTo(max) > 0) {
            throw ProblemException.badRequest("invalid-ttl",
                    "'ttl_seconds' must be between 1 and " + max.toSeconds() + " (vodpack.security.playback.max-token-ttl).");
        }
        SigningKeys.KeySet signing = keys.current();
        Instant now = Instant.now();
        Instant expires = now.plus(lifetime);
        String token = Jwt.issuer(ISSUER).audience(AUDIENCE).subject(Long.toString(contentId))
                .issuedAt(now.getEpochSecond()).expiresAt(expires.getEpochSecond())
                .jws().keyId(signing.signingKid()).algorithm(SignatureAlgorithm.ES256).sign(signing.signingKey());
        return new Minted(token, Instant.ofEpochSecond(expires.getEpochSecond()));
    }

    /**
     * Checks that {@code token} is a valid, unexpired token for {@code contentId}: 401 when it is missing,
     * expired or altered, 403 when it is valid but for other content.
     */
    public void verify(String token, long contentId) {
        if (contentOf(token, Long.toString(contentId)) != contentId) {
            throw new ProblemException(403, "playback-token-other-content", "Forbidden",
                    "The playback token is for other content, not for packaged content " + contentId + ".");
        }
    }

    /** The content a valid, unexpired token opens; 401 when it is missing, expired or altered. */
    public long contentOf(String token) {
        return contentOf(token, "{id}");
    }

    private long contentOf(String token, String idForHelp) {
        if (token == null || token.isBlank()) {
            throw unauthorized("playback-token-missing",
                    "This URL needs a playback token (?token=…): get one with POST /packaged_content/" + idForHelp
                            + "/playback_tokens, or use the url and player_url of GET /packaged_content/" + idForHelp + ".");
        }
        JsonWebToken jwt;
        try {
            jwt = parser().parse(token.strip());
        } catch (ParseException e) {
            if (expired(e)) {
                throw unauthorized("playback-token-expired",
                        "The playback token has expired; ask the content's owner for a new URL.");
            }
            throw unauthorized("playback-token-invalid", "The playback token is not valid (altered, or not issued here).");
        }
        try {
            return Long.parseLong(jwt.getSubject());
        } catch (NumberFormatException e) {
            throw unauthorized("playback-token-invalid", "The playback token names no packaged content.");
        }
    }

    private static boolean expired(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof InvalidJwtException invalid && invalid.hasExpired()) {
                return true;
            }
        }
        return false;
    }

    private static ProblemException unauthorized(String slug, String detail) {
        return new ProblemException(401, slug, "Unauthorized", detail);
    }

    private DefaultJWTParser parser() {
        String jwks = keys.jwks();
        Verifier current = verifier;
        if (current == null || !current.jwks().equals(jwks)) {
            JWTAuthContextInfo info = new JWTAuthContextInfo();
            info.setPublicKeyContent(jwks);
            info.setIssuedBy(ISSUER);
            info.setExpectedAudience(Set.of(AUDIENCE));
            info.setSignatureAlgorithm(Set.of(SignatureAlgorithm.ES256));
            info.setClockSkew(0);
            current = new Verifier(jwks, new DefaultJWTParser(info));
            verifier = current;
        }
        return current.parser();
    }
}
