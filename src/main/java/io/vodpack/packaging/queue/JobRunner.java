package io.vodpack.packaging.queue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.packaging.engine.EngineProcess;
import io.vodpack.packaging.engine.Packager;
import io.vodpack.packaging.engine.PackagingRequest;
import io.vodpack.packaging.engine.StreamManifest;

/**
 * Claims queued jobs and runs their engine on a bounded, named worker pool ({@code vodpack-packager-N}),
 * never on the event loop. While an engine runs, its lease is renewed and progress recorded; output is
 * written to {@code staging/<job>/out} and published by an atomic rename only when the engine succeeded
 * and the MPD checks out.
 */
@ApplicationScoped
public class JobRunner {

    private static final Logger LOG = Logger.getLogger(JobRunner.class);

    private final JobQueue queue;
    private final ContentStorage storage;
    private final VodpackConfig config;
    private final Vertx vertx;
    private final Map<String, Packager> engines;
    private final String owner;
    private final int concurrency;
    private final ExecutorService workers;
    private final Map<Long, RunningJob> running = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private boolean claiming;
    private boolean claimAgain;
    private volatile boolean stopping;

    private final io.micrometer.core.instrument.MeterRegistry metrics;

    public JobRunner(JobQueue queue, ContentStorage storage, VodpackConfig config, Vertx vertx, Instance<Packager> packagers,
            io.micrometer.core.instrument.MeterRegistry metrics) {
        this.metrics = metrics;
        metrics.gauge("vodpack.packaging.running", running, Map::size);
        this.queue = queue;
        this.storage = storage;
        this.config = config;
        this.vertx = vertx;
        this.engines = packagers.stream().collect(Collectors.toMap(Packager::name, p -> p));
        this.owner = ManagementFactory.getRuntimeMXBean().getName() + "/" + UUID.randomUUID().toString().substring(0, 8);
        this.concurrency = config.packaging().concurrency().orElse(Runtime.getRuntime().availableProcessors());
        AtomicInteger threads = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "vodpack-packager-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.workers = Executors.newFixedThreadPool(concurrency, factory);
    }

    /** One job this instance is running, with the engine process so that a cancellation can kill it. */
    static final class RunningJob {
        private Process process;
        private volatile boolean cancelled;

        synchronized void attach(Process p) {
            process = p;
            if (cancelled) {
                EngineProcess.killTree(p);
            }
        }

        void cancel() {
            cancelled = true;
            Process p;
            synchronized (this) {
                p = process;
            }
            if (p != null && p.isAlive()) {
                EngineProcess.killTree(p);
            }
        }
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.packaging().workersEnabled()) {
            LOG.info("Packaging workers are disabled on this instance (vodpack.packaging.workers-enabled=false)");
            return;
        }
        LOG.infof("Packaging with engine '%s', %d job(s) at once, worker %s", config.packaging().engine(), concurrency, owner);
        signal();
    }

    /** Polling fallback: jobs created by other replicas, or handed back, start within this period. */
    @Scheduled(every = "${vodpack.packaging.poll-interval:2s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void poll() {
        signal();
    }

    public String owner() {
        return owner;
    }

    /** Starts as many queued jobs as there is capacity for. Safe to call from any thread. */
    public void signal() {
        if (stopping || !config.packaging().workersEnabled()) {
            return;
        }
        synchronized (this) {
            if (claiming) {
                claimAgain = true;
                return;
            }
            if (inFlight.get() >= concurrency) {
                return;
            }
            claiming = true;
            claimAgain = false;
            inFlight.incrementAndGet();
        }
        queue.claim(owner, config.packaging().lease()).subscribe().with(claimed -> {
            boolean again;
            synchronized (this) {
                claiming = false;
                again = claimAgain || claimed.isPresent();
            }
            if (claimed.isPresent()) {
                run(claimed.get()).subscribe().with(v -> done(), failure -> {
                    LOG.errorf(failure, "Job %d: unexpected failure", claimed.get().id());
                    done();
                });
            } else {
                inFlight.decrementAndGet();
            }
            if (again) {
                signal();
            }
        }, failure -> {
            synchronized (this) {
                claiming = false;
            }
            inFlight.decrementAndGet();
            LOG.warnf("Could not claim a packaging job: %s", failure.getMessage());
        });
    }

    private void done() {
        inFlight.decrementAndGet();
        signal();
    }

    /** Kills the engine of a job that this instance runs (after the job was cancelled in the database). */
    public void cancelLocal(long jobId) {
        RunningJob job = running.get(jobId);
        if (job != null) {
            blocking(() -> {
                job.cancel();
                return null;
            }).subscribe().with(v -> { });
        }
    }

    /** Short blocking chores (folder listings, deletions, killing a process) off the event loop. */
    private <T> Uni<T> blocking(java.util.concurrent.Callable<T> work) {
        return Uni.createFrom().completionStage(() -> vertx.executeBlocking(work, false).toCompletionStage());
    }

    private Uni<Void> run(ClaimedJob job) {
        LOG.infof("Job %d: attempt %d with %s", job.id(), job.attempt(), job.engine());
        long started = System.nanoTime();
        RunningJob handle = new RunningJob();
        running.put(job.id(), handle);
        Duration lease = config.packaging().lease();
        long renewEvery = Math.max(1000, lease.toMillis() / 3);
        long timer = vertx.setPeriodic(renewEvery, t -> blocking(() -> progress(job))
                .flatMap(progress -> queue.renew(job.id(), owner, lease, progress))
                .subscribe().with(stillOurs -> {
                    if (!stillOurs && !handle.cancelled) {
                        LOG.infof("Job %d was cancelled or taken over; stopping its engine", job.id());
                        blocking(() -> {
                            handle.cancel();
                            return null;
                        }).subscribe().with(v -> { });
                    }
                }, failure -> LOG.warnf("Job %d: lease renewal failed: %s", job.id(), failure.getMessage())));
        return Uni.createFrom().item(() -> {
            // Worker thread (vodpack-packager-N): folders, engine process, MPD check, publish.
            execute(job, handle);
            return true;
        }).runSubscriptionOn(workers)
                .flatMap(published -> queue.complete(job.id(), owner).invoke(completed -> {
                    if (completed) {
                        LOG.infof("Job %d: done", job.id());
                        outcome(job, "done", started);
                    } else {
                        LOG.infof("Job %d was cancelled while publishing; removing its output", job.id());
                    }
                }).call(completed -> completed ? Uni.createFrom().voidItem() : blocking(() -> {
                    ContentStorage.deleteRecursively(storage.publishedFolder(job.id()));
                    return null;
                })))
                .onFailure().recoverWithUni(failure -> {
                    if (handle.cancelled || stopping) {
                        LOG.infof("Job %d: engine stopped (%s)", job.id(), stopping ? "shutting down" : "cancelled");
                        outcome(job, stopping ? "handed-back" : "cancelled", started);
                        return Uni.createFrom().item(false);
                    }
                    String reason = failure instanceof AttemptFailure ? failure.getMessage()
                            : "internal error: " + failure;
                    LOG.warnf("Job %d failed: %s", job.id(), reason);
                    outcome(job, "failed", started);
                    return queue.fail(job.id(), owner, reason);
                })
                .eventually(() -> {
                    vertx.cancelTimer(timer);
                    running.remove(job.id());
                    return blocking(() -> {
                        ContentStorage.deleteRecursively(storage.stagingFolder(job.id()));
                        return null;
                    });
                })
                .replaceWithVoid();
    }

    /** Counts an attempt's outcome and its duration (vodpack_packaging_attempts_seconds{engine,outcome}). */
    private void outcome(ClaimedJob job, String outcome, long startedNanos) {
        io.micrometer.core.instrument.Timer.builder("vodpack.packaging.attempts")
                .description("Packaging attempts by engine and outcome").tags("engine", job.engine(), "outcome", outcome)
                .register(metrics).record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
    }

    /** Blocking: one attempt of one job. Throws {@link AttemptFailure} with the reason when it fails. */
    private void execute(ClaimedJob job, RunningJob handle) {
        Path staging = storage.stagingFolder(job.id());
        Path out = staging.resolve("out");
        Path work = staging.resolve("work");
        Path published = storage.publishedFolder(job.id());
        // A crashed earlier attempt may have left both; neither was ever served (the job was not DONE).
        ContentStorage.deleteRecursively(staging);
        ContentStorage.deleteRecursively(published);
        Path input = storage.inputFile(job.inputStorageName());
        if (!Files.isRegularFile(input)) {
            throw new AttemptFailure("the input file is missing from storage (" + job.inputStorageName() + ")");
        }
        try {
            long size = Files.size(input);
            if (size != job.inputSize()) {
                throw new AttemptFailure("the stored input is damaged: it has " + size + " bytes, but " + job.inputSize()
                        + " were uploaded; upload it again");
            }
        } catch (IOException e) {
            throw new AttemptFailure("the input file cannot be read: " + e.getMessage());
        }
        Packager engine = engines.get(job.engine());
        if (engine == null) {
            throw new AttemptFailure("unknown packaging engine '" + job.engine() + "'");
        }
        String licenseUrl = job.baseUrl() + "/license/clearkey/" + job.id();
        PackagingRequest request = new PackagingRequest(input, out, work, job.key(), job.kid(),
                config.packaging().segmentDuration(), licenseUrl);
        List<String> secrets = List.of(job.key().hex(), job.key().base64url(), job.key().text());
        long deadline = System.nanoTime() + config.packaging().timeout().toNanos();
        try {
            Files.createDirectories(out);
            Files.createDirectories(work);
            for (List<String> command : engine.commandLines(request)) {
                Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
                EngineProcess.Outcome outcome = EngineProcess.run(command, work, left, handle::attach, secrets);
                if (handle.cancelled) {
                    throw new AttemptFailure("cancelled");
                }
                if (outcome.timedOut()) {
                    throw new AttemptFailure("the engine ran longer than " + config.packaging().timeout()
                            + " and was stopped (vodpack.packaging.timeout)");
                }
                if (!outcome.succeeded()) {
                    String last = EngineProcess.lastLine(outcome.tail())
                            .replace(input.toString(), "<input>").replace(storage.root().toString(), "<storage>");
                    throw new AttemptFailure(Path.of(command.get(0)).getFileName() + " exited with code "
                            + outcome.exitCode() + (last.isEmpty() ? "" : ": " + last));
                }
            }
            StreamManifest.finish(out.resolve("stream.mpd"), job.kid(), licenseUrl);
            Files.move(out, published, StandardCopyOption.ATOMIC_MOVE);
        } catch (StreamManifest.InvalidOutputException e) {
            throw new AttemptFailure("the engine's output does not check out: " + e.getMessage());
        } catch (IOException e) {
            throw new AttemptFailure("storage error: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AttemptFailure("interrupted");
        }
    }

    /** Progress from the media time written so far (video segments) against the input's duration. */
    private int progress(ClaimedJob job) {
        if (job.inputDurationMillis() <= 0) {
            return 0;
        }
        Path video = storage.stagingFolder(job.id()).resolve("out").resolve("video");
        try (var files = Files.list(video)) {
            long segments = files.filter(f -> f.getFileName().toString().startsWith("seg")).count();
            long writtenMillis = segments * config.packaging().segmentDuration() * 1000L;
            return (int) Math.min(99, writtenMillis * 100 / job.inputDurationMillis());
        } catch (IOException e) {
            return 0;
        }
    }

    /** On shutdown: stop the engines and hand running jobs back to the queue for another replica or the next start. */
    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
        for (Map.Entry<Long, RunningJob> entry : running.entrySet()) {
            entry.getValue().cancel();
            try {
                queue.release(entry.getKey(), owner).await().atMost(Duration.ofSeconds(5));
                LOG.infof("Job %d handed back to the queue", entry.getKey());
            } catch (RuntimeException e) {
                LOG.warnf("Job %d could not be handed back (%s); its lease will expire", entry.getKey(), e.getMessage());
            }
        }
    }

    @PreDestroy
    void close() {
        workers.shutdownNow();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
