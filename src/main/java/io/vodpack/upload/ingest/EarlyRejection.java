package io.vodpack.upload.ingest;

import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/**
 * An upload refused before its whole body was read closes the connection instead of reading (and discarding)
 * the rest, which could be gigabytes. Both upload paths answer their rejections through here.
 */
public final class EarlyRejection {

    private EarlyRejection() {
    }

    /** Runs {@code handling}; if it throws or its Uni fails while the body is unread, the connection is closed. */
    public static <T> Uni<T> closeOnRejection(HttpServerRequest request, Supplier<Uni<T>> handling) {
        try {
            return handling.get().onFailure().invoke(() -> closeIfUnread(request));
        } catch (RuntimeException e) {
            closeIfUnread(request);
            throw e;
        }
    }

    public static void closeIfUnread(HttpServerRequest request) {
        if (!request.isEnded()) {
            request.response().putHeader("Connection", "close");
        }
    }
}
