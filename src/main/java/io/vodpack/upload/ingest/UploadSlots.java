package io.vodpack.upload.ingest;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.error.ProblemException;

/**
 * The caps on uploads this instance receives at once, shared by both upload paths: in all
 * ({@code vodpack.upload.max-concurrent}; one more gets 503) and per API key
 * ({@code vodpack.security.key-max-concurrent-uploads}; one more gets 429). Both answer with Retry-After before a
 * byte of the body is read.
 */
@ApplicationScoped
public class UploadSlots {

    private final VodpackConfig config;
    private final AtomicInteger running = new AtomicInteger();
    private final Map<String, AtomicInteger> perKey = new ConcurrentHashMap<>();

    public UploadSlots(VodpackConfig config) {
        this.config = config;
    }

    /**
     * Runs {@code upload} in a free slot of {@code keyHolder}'s (429 when the key has none left) and of the instance
     * (503), which it holds until it ends however it ends.
     */
    public <T> Uni<T> within(String keyHolder, Supplier<Uni<T>> upload) {
        return Uni.createFrom().deferred(() -> {
            int max = config.security().keyMaxConcurrentUploads();
            AtomicInteger mine = perKey.computeIfAbsent(keyHolder, k -> new AtomicInteger());
            if (mine.incrementAndGet() > max) {
                release(keyHolder, mine);
                return Uni.createFrom().failure(ProblemException.tooManyRequests("too-many-uploads-for-key",
                        "This API key is sending " + max + " uploads already (vodpack.security.key-max-concurrent-uploads);"
                                + " retry after the time in Retry-After.", config.upload().busyRetryAfter().toSeconds()));
            }
            try {
                return within(upload).onTermination().invoke(() -> release(keyHolder, mine));
            } catch (RuntimeException e) {
                release(keyHolder, mine);
                throw e;
            }
        });
    }

    private void release(String keyHolder, AtomicInteger slots) {
        if (slots.decrementAndGet() <= 0) {
            perKey.remove(keyHolder, slots);
        }
    }

    /** Runs {@code upload} in a free slot, which it holds until it ends however it ends; 503 when none is free. */
    private <T> Uni<T> within(Supplier<Uni<T>> upload) {
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
