package io.vodpack.upload.ingest;

import java.util.Locale;

import io.vodpack.core.error.ProblemException;

/** The Content-Type checks of both upload paths. */
public final class ContentTypes {

    private ContentTypes() {
    }

    /** The media type of a Content-Type header, lower case and without parameters; empty when absent. */
    public static String mediaType(String header) {
        return header == null ? "" : header.split(";")[0].strip().toLowerCase(Locale.ROOT);
    }

    /** 415 for a body sent with a Content-Type the endpoint does not take; {@code detail} names the right ones. */
    public static ProblemException unsupported(String detail) {
        return ProblemException.unsupportedMediaType("unsupported-content-type", detail);
    }
}
