package io.vodpack.core.error;

import java.util.Map;

/**
 * A failure the client should hear about, with the HTTP status and the words for it.
 * Domain code throws these; {@link ProblemMapper} turns them into problem+json.
 */
public class ProblemException extends RuntimeException {

    private final int status;
    private final String slug;
    private final String title;
    private final Map<String, Object> extensions;
    private final long retryAfterSeconds;

    public ProblemException(int status, String slug, String title, String detail) {
        this(status, slug, title, detail, Map.of());
    }

    public ProblemException(int status, String slug, String title, String detail, Map<String, Object> extensions) {
        this(status, slug, title, detail, extensions, 0);
    }

    private ProblemException(int status, String slug, String title, String detail, Map<String, Object> extensions,
            long retryAfterSeconds) {
        super(detail, null, false, false);
        this.retryAfterSeconds = retryAfterSeconds;
        this.status = status;
        this.slug = slug;
        this.title = title;
        this.extensions = extensions;
    }

    public int status() {
        return status;
    }

    /** Short stable identifier of the problem type, e.g. {@code unsupported-media}. */
    public String slug() {
        return slug;
    }

    public String title() {
        return title;
    }

    public Map<String, Object> extensions() {
        return extensions;
    }

    /** Seconds the client should wait before trying again (the Retry-After header); 0 when not said. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public static ProblemException badRequest(String slug, String detail) {
        return new ProblemException(400, slug, "Bad request", detail);
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(404, "not-found", "Not found", detail);
    }

    public static ProblemException conflict(String slug, String detail) {
        return new ProblemException(409, slug, "Conflict", detail);
    }

    public static ProblemException methodNotAllowed(String detail) {
        return new ProblemException(405, "method-not-allowed", "Method not allowed", detail);
    }

    public static ProblemException preconditionFailed(String slug, String detail, Map<String, Object> extensions) {
        return new ProblemException(412, slug, "Precondition failed", detail, extensions);
    }

    /** 413: the body is (or is declared) larger than the endpoint takes. */
    public static ProblemException payloadTooLarge(String slug, String detail) {
        return new ProblemException(413, slug, "Payload too large", detail);
    }

    /** 415: the request's Content-Type, or the bytes themselves, are not a media type the endpoint takes. */
    public static ProblemException unsupportedMediaType(String slug, String detail) {
        return new ProblemException(415, slug, "Unsupported media type", detail);
    }

    /** 429: too much work is waiting; the client may try again after {@code retryAfterSeconds}. */
    public static ProblemException tooManyRequests(String slug, String detail, long retryAfterSeconds) {
        return new ProblemException(429, slug, "Too many requests", detail, Map.of("retry_after_seconds", retryAfterSeconds),
                retryAfterSeconds);
    }

    public static ProblemException locked(String slug, String detail) {
        return new ProblemException(423, slug, "Locked", detail);
    }

    /** 507: the storage cannot take the upload; {@code detail} says why. */
    public static ProblemException insufficientStorage(String detail) {
        return new ProblemException(507, "insufficient-storage", "Insufficient storage", detail);
    }
}
