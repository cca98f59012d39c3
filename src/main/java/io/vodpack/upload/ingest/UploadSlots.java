package io.vodpack.upload.ingest;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.error.ProblemException;

/**
 * The cap on uploads this instance receives at once ({@code vodpack.upload.max-concurrent}), shared by both upload
 * paths: one more gets 503 with Retry-After before a byte of its body is read.
 */
@ApplicationScoped
public class UploadSlots {

    private final VodpackConfig config;
    private final AtomicInteger running = new AtomicInteger();

    public UploadSlots(VodpackConfig config) {
        this.config = config;
    }

    /** Runs {@code upload} in a free slot, which it holds until it ends however it ends; 503 when none is free. */
    public <T> Uni<T> within(Supplier<Uni<T>> upload) {
        return Uni.createFrom().deferred(() -> {
            int max = config.upload().maxConcurrent();
            if (running.incrementAndGet() > max) {
                running.decrementAndGet();
                return Uni.createFrom().failure(ProblemException.serviceUnavailable("too-many-uploads",
                        "This instance is receiving " + max + " uploads already; retry after the time in Retry-After.",
                        config.upload().busyRetryAfter()));
            }
            try {
                return upload.get().onTermination().invoke(running::decrementAndGet);
            } catch (RuntimeException e) {
                running.decrementAndGet();
                throw e;
            }
        });
    }

    /** Uploads being received now. */
    public int running() {
        return running.get();
    }
}
