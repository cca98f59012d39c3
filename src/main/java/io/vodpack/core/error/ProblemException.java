package io.vodpack.core.error;

import java.time.Duration;
import java.util.LinkedHashMap;
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
    private final Map<String, String> headers = new LinkedHashMap<>();

    public ProblemException(int status, String slug, String title, String detail) {
        this(status, slug, title, detail, Map.of());
    }

    public ProblemException(int status, String slug, String title, String detail, Map<String, Object> extensions) {
        super(detail, null, false, false);
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

    /** Response headers that belong to the problem (Retry-After, Location), sent with it. */
    public Map<String, String> headers() {
        return headers;
    }

    /** Adds a response header to this problem; returns it, for chaining at the throw. */
    public ProblemException withHeader(String name, String value) {
        headers.put(name, value);
        return this;
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

    /** 408: the client sent the body too slowly; the upload was stopped. */
    public static ProblemException requestTimeout(String slug, String detail) {
        return new ProblemException(408, slug, "Request timeout", detail);
    }

    /** 429: too much work is waiting; the client may try again after {@code retryAfterSeconds}. */
    public static ProblemException tooManyRequests(String slug, String detail, long retryAfterSeconds) {
        return new ProblemException(429, slug, "Too many requests", detail, Map.of("retry_after_seconds", retryAfterSeconds))
                .withHeader("Retry-After", Long.toString(retryAfterSeconds));
    }

    public static ProblemException locked(String slug, String detail) {
        return new ProblemException(423, slug, "Locked", detail);
    }

    /** 507: the storage cannot take the upload; {@code detail} says why. */
    public static ProblemException insufficientStorage(String detail) {
        return new ProblemException(507, "insufficient-storage", "Insufficient storage", detail);
    }

    /** 503 with Retry-After: the service cannot take this now, but can soon. */
    public static ProblemException serviceUnavailable(String slug, String detail, Duration retryAfter) {
        return new ProblemException(503, slug, "Service unavailable", detail)
                .withHeader("Retry-After", Long.toString(Math.max(1, retryAfter.toSeconds())));
    }
}
