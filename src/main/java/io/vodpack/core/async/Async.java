package io.vodpack.core.async;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The service's one idiom for each asynchronous need, so that no feature writes its own:
 * <ul>
 * <li>{@link #blocking}: short blocking work (file system calls, fsync, process kills, box reading) on a Vert.x
 * worker thread, completing back on the caller's context. Hibernate Reactive calls may follow it directly,
 * because the context is the caller's event loop again.</li>
 * <li>{@link #await}: a Vert.x {@link Future} as a {@link Uni}.</li>
 * <li>{@link #detached}: work that must run to its end even when the HTTP client goes away. Quarkus REST
 * cancels a request's {@code Uni} when the client disconnects; cleanup and bookkeeping must not be
 * cancelled with it.</li>
 * <li>{@link #onNewContext}: work started outside any request (a notification, a scheduler thread) that calls
 * Hibernate Reactive, which needs a duplicated Vert.x context of its own.</li>
 * </ul>
 * Long-running work (engine processes) runs on its own bounded pool instead; see the packaging worker.
 */
@ApplicationScoped
public class Async {

    private final Vertx vertx;

    public Async(Vertx vertx) {
        this.vertx = vertx;
    }

    /** Runs {@code work} on a worker thread (unordered); the item is delivered on the caller's context. */
    public <T> Uni<T> blocking(Callable<T> work) {
        return Uni.createFrom().deferred(() -> await(vertx.executeBlocking(work, false)));
    }

    /** Runs {@code work} on a worker thread, for work with no result. */
    public Uni<Void> blocking(BlockingAction work) {
        return blocking(() -> {
            work.run();
            return null;
        });
    }

    /** A Vert.x future as a Uni. Cancelling the Uni does not stop the future's work. */
    public static <T> Uni<T> await(Future<T> future) {
        return Uni.createFrom().completionStage(future.toCompletionStage());
    }

    /**
     * The outcome of a call that completes on another library's threads (the S3 client's), delivered back on the
     * caller's Vert.x context, so that what follows may call the database (Hibernate Reactive needs it).
     */
    public static <T> Uni<T> stage(Supplier<? extends CompletionStage<T>> call) {
        return Uni.createFrom().deferred(() -> {
            Context context = Vertx.currentContext();
            Uni<T> outcome = Uni.createFrom().completionStage(call);
            return context == null ? outcome : outcome.emitOn(command -> context.runOnContext(v -> command.run()));
        });
    }

    /**
     * Subscribes to {@code work} now and returns a Uni of its outcome. Cancelling the returned Uni (the client
     * disconnected) leaves the work running to its end: its own failure handlers and cleanup still run.
     */
    public static <T> Uni<T> detached(Uni<T> work) {
        CompletableFuture<T> running = work.subscribeAsCompletionStage();
        CompletableFuture<T> copy = new CompletableFuture<>();
        running.whenComplete((item, failure) -> {
            if (failure != null) {
                copy.completeExceptionally(failure);
            } else {
                copy.complete(item);
            }
        });
        return Uni.createFrom().completionStage(copy);
    }

    /**
     * Subscribes to {@code work} on a new duplicated Vert.x context (on an event loop), from any thread: what a
     * request would give it, for work a notification or a timer starts. {@code whenDone} runs after it, either way.
     */
    public void onNewContext(Supplier<Uni<Void>> work, Runnable whenDone) {
        Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        VertxContextSafetyToggle.setContextSafe(context, true);
        context.runOnContext(ignored -> Uni.createFrom().deferred(work::get).onTermination().invoke(whenDone)
                .subscribe().with(done -> {
                }, failure -> {
                }));
    }

    /** Blocking work without a result, allowed to throw. */
    @FunctionalInterface
    public interface BlockingAction {
        void run() throws Exception;
    }
}
