package io.vodpack.packaging.worker;

import java.lang.management.ManagementFactory;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vodpack.core.config.VodpackConfig;

/**
 * This instance's packaging workers: the bounded, named thread pool ({@code vodpack-packager-N}) that engine
 * runs block on, never the event loop, and the worker id that owns their leases.
 */
@ApplicationScoped
public class PackagingWorkers {

    private final String owner;
    private final int concurrency;
    private final ExecutorService threads;

    public PackagingWorkers(VodpackConfig config) {
        this.owner = ManagementFactory.getRuntimeMXBean().getName() + "/" + UUID.randomUUID().toString().substring(0, 8);
        this.concurrency = config.packaging().concurrency().orElse(Runtime.getRuntime().availableProcessors());
        AtomicInteger count = new AtomicInteger();
        this.threads = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "vodpack-packager-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** The lease owner written on every job this instance claims. */
    String owner() {
        return owner;
    }

    /** How many jobs this instance runs at once. */
    int concurrency() {
        return concurrency;
    }

    /** Runs long blocking work on a packager thread; what follows runs on that thread too. */
    Uni<Void> run(Runnable work) {
        return Uni.createFrom().<Void> item(() -> {
            work.run();
            return null;
        }).runSubscriptionOn(threads);
    }

    @PreDestroy
    void close() {
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
