package io.vodpack.support;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Blocking client calls a test runs in the background while it acts (a long poll, a waiting request), each on a thread
 * of its own. CompletableFuture's default pool is no fit: on Java 25 with two cores it has a single thread, so two
 * waiting calls would run one after the other, and a call left waiting by one test would hold up the next.
 */
public final class Background {

    private static final Executor THREAD_PER_CALL = task -> {
        Thread thread = new Thread(task, "test-background-call");
        thread.setDaemon(true);
        thread.start();
    };

    private Background() {
    }

    /** Starts {@code call} on a new thread; its result completes the future. */
    public static <T> CompletableFuture<T> call(Supplier<T> call) {
        return CompletableFuture.supplyAsync(call, THREAD_PER_CALL);
    }

    /** Starts {@code work} on a new thread. */
    public static CompletableFuture<Void> run(Runnable work) {
        return CompletableFuture.runAsync(work, THREAD_PER_CALL);
    }
}
