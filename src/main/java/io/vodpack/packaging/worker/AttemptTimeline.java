package io.vodpack.packaging.worker;

import java.util.ArrayList;
import java.util.List;

/**
 * Where one attempt's time went, step by step (logged at DEBUG when the attempt ends): the figures that tell how far
 * the API is from the engine's own time. Steps are marked from the thread that runs them, one after another.
 */
final class AttemptTimeline {

    private final long startedNanos = System.nanoTime();
    private final List<String> steps = new ArrayList<>();
    private long lastNanos = startedNanos;

    /** Ends the step named {@code step}: the time since the previous mark (or the start) is charged to it. */
    synchronized void mark(String step) {
        long now = System.nanoTime();
        steps.add(step + " " + millis(now - lastNanos) + " ms");
        lastNanos = now;
    }

    /** The steps so far and their total, e.g. {@code checks 1 ms, engine 480 ms, ... (total 530 ms)}. */
    @Override
    public synchronized String toString() {
        return String.join(", ", steps) + " (total " + millis(lastNanos - startedNanos) + " ms)";
    }

    private static String millis(long nanos) {
        return String.format("%.1f", nanos / 1e6);
    }
}
