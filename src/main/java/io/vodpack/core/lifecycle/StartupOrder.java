package io.vodpack.core.lifecycle;

import jakarta.interceptor.Interceptor;

/**
 * The order of the start-up observers ({@code @Observes @Priority(...) StartupEvent}), lowest first. What the
 * background work reads (signing keys, the bucket, the first admin key) is ready before anything that starts that
 * work (the job claim loop, the webhook deliverer, the database notification listener): a pending job or delivery
 * left by a previous run is picked up at once, so it must never meet a half-started instance.
 */
public final class StartupOrder {

    /** Loads or creates what background work and requests read. These observers finish before they return. */
    public static final int PREPARE = Interceptor.Priority.APPLICATION;

    /** Starts consuming queued work and notifications, once every {@link #PREPARE} observer has finished. */
    public static final int CONSUME = Interceptor.Priority.LIBRARY_AFTER;

    private StartupOrder() {
    }
}
