package io.vodpack.packaging.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.packaging.engine.EngineProcess;
import io.vodpack.packaging.engine.Packager;
import io.vodpack.packaging.engine.PackagingRequest;
import io.vodpack.packaging.engine.StreamManifest;
import io.vodpack.packaging.queue.ClaimedJob;

/**
 * One attempt at one claimed job, start to finish: a fresh staging folder, the engine's processes, the MPD check
 * and the atomic publish to {@code packaged/<job>}. Blocking: it runs on a {@code vodpack-packager-N} thread.
 * A cancellation (from any thread) kills the engine's process tree.
 */
final class PackagingAttempt {

    private final ClaimedJob job;
    private final Packager engine;
    private final ContentStorage storage;
    private final VodpackConfig.Packaging settings;
    private Process process;
    private volatile boolean cancelled;

    /** {@code engine} is null when the job names an engine this instance does not have. */
    PackagingAttempt(ClaimedJob job, Packager engine, ContentStorage storage, VodpackConfig.Packaging settings) {
        this.job = job;
        this.engine = engine;
        this.storage = storage;
        this.settings = settings;
    }

    ClaimedJob job() {
        return job;
    }

    boolean cancelled() {
        return cancelled;
    }

    /** Blocking: stops the engine, now or as soon as it starts. */
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

    private synchronized void attach(Process p) {
        process = p;
        if (cancelled) {
            EngineProcess.killTree(p);
        }
    }

    /** Blocking: packages and publishes, or throws {@link AttemptFailure} with the reason. */
    void execute() {
        Path staging = storage.stagingFolder(job.id());
        Path out = staging.resolve("out");
        Path work = staging.resolve("work");
        Path published = storage.publishedFolder(job.id());
        // A crashed earlier attempt may have left both; neither was ever served (the job was not DONE).
        ContentStorage.deleteRecursively(staging);
        ContentStorage.deleteRecursively(published);
        Path input = checkedInput();
        if (engine == null) {
            throw new AttemptFailure("unknown packaging engine '" + job.engine() + "'");
        }
        String licenseUrl = job.baseUrl() + "/license/clearkey/" + job.id();
        PackagingRequest request = new PackagingRequest(input, out, work, job.key(), job.kid(),
                settings.segmentDuration(), licenseUrl);
        try {
            Files.createDirectories(out);
            Files.createDirectories(work);
            runEngine(request, input, work);
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

    /** The stored input, present and as large as it was when uploaded. */
    private Path checkedInput() {
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
        return input;
    }

    /** Runs the engine's command lines in turn, all within {@code vodpack.packaging.timeout}. */
    private void runEngine(PackagingRequest request, Path input, Path work) throws IOException, InterruptedException {
        List<String> secrets = List.of(job.key().hex(), job.key().base64url(), job.key().text());
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        for (List<String> command : engine.commandLines(request)) {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            EngineProcess.Outcome outcome = EngineProcess.run(command, work, left, this::attach, secrets);
            if (cancelled) {
                throw new AttemptFailure("cancelled");
            }
            if (outcome.timedOut()) {
                throw new AttemptFailure("the engine ran longer than " + settings.timeout()
                        + " and was stopped (vodpack.packaging.timeout)");
            }
            if (!outcome.succeeded()) {
                String last = EngineProcess.lastLine(outcome.tail())
                        .replace(input.toString(), "<input>").replace(storage.root().toString(), "<storage>");
                throw new AttemptFailure(Path.of(command.get(0)).getFileName() + " exited with code "
                        + outcome.exitCode() + (last.isEmpty() ? "" : ": " + last));
            }
        }
    }

    /** Blocking: progress from the media time written so far (video segments) against the input's duration. */
    int progress() {
        if (job.inputDurationMillis() <= 0) {
            return 0;
        }
        Path video = storage.stagingFolder(job.id()).resolve("out").resolve("video");
        try (var files = Files.list(video)) {
            long segments = files.filter(f -> f.getFileName().toString().startsWith("seg")).count();
            long writtenMillis = segments * settings.segmentDuration() * 1000L;
            return (int) Math.min(99, writtenMillis * 100 / job.inputDurationMillis());
        } catch (IOException e) {
            return 0;
        }
    }
}
