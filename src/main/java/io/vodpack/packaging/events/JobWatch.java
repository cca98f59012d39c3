package io.vodpack.packaging.events;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * One waiting request's interest in a job (or in every job): remembers that a change was announced since the last
 * {@link #next}, so a change between reading the row and starting to wait is never missed. Waiting costs no thread:
 * the {@code Uni} of {@link #next} is completed by the notification or by a Vert.x timer. Close it when done.
 */
public final class JobWatch implements AutoCloseable {

    private final Vertx vertx;
    private final long jobId;
    private final Consumer<JobWatch> onClose;
    // Guarded by this: a notification (listener's event loop) and the waiting request (its own event loop) meet here.
    private boolean signalled;
    private UniEmitter<? super Boolean> waiting;
    private boolean closed;

    JobWatch(Vertx vertx, long jobId, Consumer<JobWatch> onClose) {
        this.vertx = vertx;
        this.jobId = jobId;
        this.onClose = onClose;
    }

    long jobId() {
        return jobId;
    }

    /**
     * Completes with true as soon as a change was announced since the previous call (at once if one already was),
     * or with false after {@code timeout}; on the caller's Vert.x context, so database calls may follow directly.
     */
    public Uni<Boolean> next(Duration timeout) {
        Context context = Vertx.currentContext();
        Executor onCaller = context == null ? Runnable::run : task -> context.runOnContext(ignored -> task.run());
        return Uni.createFrom().<Boolean> emitter(emitter -> {
            synchronized (this) {
                if (signalled || closed) {
                    signalled = false;
                    emitter.complete(!closed);
                    return;
                }
                waiting = emitter;
            }
            long timer = vertx.setTimer(Math.max(1, timeout.toMillis()), fired -> complete(emitter, false));
            emitter.onTermination(() -> {
                vertx.cancelTimer(timer);
                synchronized (this) {
                    if (waiting == emitter) {
                        waiting = null;
                    }
                }
            });
        }).emitOn(onCaller);
    }

    void signal() {
        UniEmitter<? super Boolean> emitter;
        synchronized (this) {
            emitter = waiting;
            waiting = null;
            if (emitter == null) {
                signalled = true;
                return;
            }
        }
        emitter.complete(true);
    }

    private void complete(UniEmitter<? super Boolean> emitter, boolean changed) {
        synchronized (this) {
            if (waiting != emitter) {
                return;
            }
            waiting = null;
        }
        emitter.complete(changed);
    }

    @Override
    public void close() {
        UniEmitter<? super Boolean> emitter;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            emitter = waiting;
            waiting = null;
        }
        onClose.accept(this);
        if (emitter != null) {
            emitter.complete(false);
        }
    }
}
