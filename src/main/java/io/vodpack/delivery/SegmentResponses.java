package io.vodpack.delivery;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.regex.Pattern;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.error.ProblemMapper;

/**
 * How a segment or init segment is answered, wherever its bytes are (a published file, a segment a replica keeps, an
 * object): immutable caching, its ETag and Last-Modified with 304, one byte range (206, 416) and HEAD. Runs on the
 * request's event loop.
 */
final class SegmentResponses {

    static final String SEGMENT_CACHE = "public, max-age=31536000, immutable";

    /** One byte range: {@code bytes=first-last}, {@code bytes=first-} or {@code bytes=-suffix}. */
    private static final Pattern SINGLE_RANGE = Pattern.compile("bytes=(?:[0-9]{1,18}-[0-9]{0,18}|-[0-9]{1,18})");

    private SegmentResponses() {
    }

    /**
     * Answers with a file of {@code size} bytes, sent with sendfile. When the file is missing (or shorter than
     * {@code size}), nothing has been sent yet: the response's headers are taken back and {@code whenGone} answers
     * instead. A file that is there but cannot be opened fails after the status line was prepared: the connection is
     * reset, and the client asks again.
     */
    static void sendFile(RoutingContext ctx, String file, long size, String etag, Instant lastModified, Runnable whenGone) {
        HttpServerResponse response = ctx.response();
        if (notModified(ctx, etag, lastModified)) {
            validators(response, etag, lastModified).setStatusCode(304).end();
            return;
        }
        boolean head = ctx.request().method() == HttpMethod.HEAD;
        String range = head ? null : singleRange(ctx.request().getHeader("Range"));
        long[] span = range == null ? new long[] { 0, size - 1 } : span(range, size);
        if (span == null) {
            notSatisfiable(ctx, "bytes */" + size);
            return;
        }
        validators(response, etag, lastModified).putHeader(HttpHeaders.CONTENT_TYPE, "video/mp4")
                .putHeader(HttpHeaders.ACCEPT_RANGES, "bytes");
        if (range != null) {
            response.setStatusCode(206).putHeader(HttpHeaders.CONTENT_RANGE, "bytes " + span[0] + "-" + span[1] + "/" + size);
        }
        if (head || size == 0) {
            response.putHeader(HttpHeaders.CONTENT_LENGTH, head ? Long.toString(size) : "0").end();
            return;
        }
        response.sendFile(file, span[0], span[1] - span[0] + 1).onFailure(failure -> {
            if (response.headWritten()) {
                response.reset();
                return;
            }
            response.setStatusCode(200);
            for (CharSequence header : List.of(HttpHeaders.CONTENT_RANGE, HttpHeaders.ETAG, HttpHeaders.LAST_MODIFIED,
                    HttpHeaders.CACHE_CONTROL, HttpHeaders.CONTENT_TYPE, HttpHeaders.ACCEPT_RANGES)) {
                response.headers().remove(header);
            }
            whenGone.run();
        });
    }

    static HttpServerResponse validators(HttpServerResponse response, String etag, Instant lastModified) {
        // Caches and CDNs reckon a copy's age from Date (RFC 9110 6.6.1); Vert.x sends none of its own.
        response.putHeader(HttpHeaders.DATE, now());
        if (etag != null) {
            response.putHeader(HttpHeaders.ETAG, etag);
        }
        if (lastModified != null) {
            response.putHeader(HttpHeaders.LAST_MODIFIED,
                    DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(lastModified, ZoneOffset.UTC)));
        }
        return response.putHeader(HttpHeaders.CACHE_CONTROL, SEGMENT_CACHE);
    }

    /** The current second as an HTTP date, formatted once per second. */
    private static String now() {
        long second = System.currentTimeMillis() / 1000;
        HttpDate last = lastDate;
        if (last.second() != second) {
            last = new HttpDate(second, DateTimeFormatter.RFC_1123_DATE_TIME.format(
                    ZonedDateTime.ofInstant(Instant.ofEpochSecond(second), ZoneOffset.UTC)));
            lastDate = last;
        }
        return last.text();
    }

    private record HttpDate(long second, String text) {
    }

    private static volatile HttpDate lastDate = new HttpDate(-1, "");

    /**
     * The Range header when it asks for one byte range; anything else (several ranges, another unit, a malformed one)
     * is ignored and the whole object served, as RFC 9110 allows.
     */
    static String singleRange(String range) {
        return range != null && SINGLE_RANGE.matcher(range).matches() && ordered(range) ? range : null;
    }

    private static boolean ordered(String range) {
        int dash = range.indexOf('-');
        if (dash == "bytes=".length() || dash == range.length() - 1) {
            return true;
        }
        try {
            return Long.parseLong(range.substring("bytes=".length(), dash)) <= Long.parseLong(range.substring(dash + 1));
        } catch (NumberFormatException tooLong) {
            return false;
        }
    }

    /**
     * The first and last byte a {@link #singleRange} asks of an object of {@code size} bytes, as an S3 server reads it
     * (a last byte past the end means the end); null when no byte of it is in the object (416).
     */
    static long[] span(String range, long size) {
        String spec = range.substring("bytes=".length());
        int dash = spec.indexOf('-');
        try {
            if (dash == 0) {
                long suffix = Long.parseLong(spec.substring(1));
                return suffix == 0 || size == 0 ? null : new long[] { Math.max(0, size - suffix), size - 1 };
            }
            long first = Long.parseLong(spec.substring(0, dash));
            long last = dash == spec.length() - 1 ? size - 1 : Math.min(Long.parseLong(spec.substring(dash + 1)), size - 1);
            return first >= size ? null : new long[] { first, last };
        } catch (NumberFormatException tooLong) {
            return null;
        }
    }

    /** 416, naming what the file holds ({@code contentRange}: {@code bytes *}{@code /size}). */
    static void notSatisfiable(RoutingContext ctx, String contentRange) {
        ctx.response().putHeader(HttpHeaders.CONTENT_RANGE, contentRange);
        ProblemMapper.respond(ctx, new ProblemException(416, "range-not-satisfiable", "Range not satisfiable",
                "The requested range is outside the file."));
    }

    static boolean notModified(RoutingContext ctx, String etag, Instant lastModified) {
        String ifNoneMatch = ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH);
        if (ifNoneMatch != null) {
            return matches(ifNoneMatch, etag);
        }
        String since = ctx.request().getHeader(HttpHeaders.IF_MODIFIED_SINCE);
        if (since == null || lastModified == null) {
            return false;
        }
        try {
            Instant when = ZonedDateTime.parse(since, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return lastModified.getEpochSecond() <= when.getEpochSecond();
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /**
     * Whether an If-None-Match header names {@code etag}: a list matches when one of its tags does, {@code *} always
     * (RFC 9110 13.1.2; the weak comparison, so {@code W/} is ignored).
     */
    static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String tag : ifNoneMatch.split(",")) {
            String t = tag.strip();
            if (t.equals(etag) || t.equals("W/" + etag) || t.equals("*")) {
                return true;
            }
        }
        return false;
    }
}
