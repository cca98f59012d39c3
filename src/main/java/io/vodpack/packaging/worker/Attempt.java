package io.vodpack.packaging.worker;

import java.nio.file.Path;

import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.packaging.engine.EngineProcess;
import io.vodpack.packaging.queue.ClaimedJob;

/**
 * What every attempt at a claimed job shares, whatever it runs (a packaging engine, or ffmpeg for a rendition): its
 * own staging folder ({@code staging/<job>-<attempt>-<token>}), the lease it holds, and the external process it
 * runs, which a cancellation or a lost lease (from any thread) kills with its whole tree. {@link #execute} blocks on
 * a {@code vodpack-packager-N} thread.
 */
abstract class Attempt {

    protected final ClaimedJob job;
    protected final ContentStorage storage;
    protected final VodpackConfig.Packaging settings;
    protected final Path staging;
    /** When each step of the attempt ended, for the log. */
    protected final AttemptTimeline timeline = new AttemptTimeline();
    private Process process;
    private volatile boolean cancelled;
    private volatile boolean leaseLost;
    /** {@link System#nanoTime()} until which the lease is known to be ours; renewals push it on. */
    private volatile long leaseConfirmedUntil;

    Attempt(ClaimedJob job, ContentStorage storage, VodpackConfig config) {
        this.job = job;
        this.storage = storage;
        this.settings = config.packaging();
        this.staging = storage.stagingFolder(job.folderName());
        this.leaseConfirmedUntil = System.nanoTime() + settings.lease().toNanos();
    }

    /** Blocking: does the attempt's work, or throws {@link AttemptFailure}. */
    abstract void execute();

    /** Blocking: how far the attempt got, 0–99. */
    abstract int progress();

    /** Blocking: removes output of this attempt that will never be used. */
    abstract void discardOutput();

    /** Whether the output holds HLS playlists beside the MPD: a rendition's attempt publishes none. */
    boolean writesHls() {
        return false;
    }

    ClaimedJob job() {
        return job;
    }

    AttemptTimeline timeline() {
        return timeline;
    }

    boolean cancelled() {
        return cancelled;
    }

    boolean leaseLost() {
        return leaseLost;
    }

    long leaseConfirmedUntil() {
        return leaseConfirmedUntil;
    }

    /** A renewal sent at {@code sentAtNanos} was confirmed: the lease is ours for one more lease from then. */
    void leaseConfirmed(long sentAtNanos) {
        leaseConfirmedUntil = Math.max(leaseConfirmedUntil, sentAtNanos + settings.lease().toNanos());
    }

    /** Blocking: stops the engine, now or as soon as it starts (cancelled, or shutting down). */
    void cancel() {
        cancelled = true;
        killEngine();
    }

    /** Blocking: the lease is no longer ours, or cannot be confirmed before it runs out: stop the engine. */
    void loseLease() {
        leaseLost = true;
        killEngine();
    }

    private void killEngine() {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (p != null && p.isAlive()) {
            EngineProcess.killTree(p);
        }
    }

    protected synchronized void attach(Process p) {
        timeline.mark("engine start");
        process = p;
        if (cancelled || leaseLost) {
            EngineProcess.killTree(p);
        }
    }

    /** A lease that lapsed while this thread was not looking (a paused process) ends the attempt before it publishes. */
    protected void stopUnlessOurs() {
        if (System.nanoTime() >= leaseConfirmedUntil) {
            leaseLost = true;
        }
        if (leaseLost || cancelled) {
            throw new AttemptFailure(leaseLost ? "the lease was lost" : "cancelled");
        }
    }

    /** Blocking: removes this attempt's staging folder (never another attempt's). */
    void removeStaging() {
        ContentStorage.deleteRecursively(staging);
    }

    /**
     * Blocking: the job's input as a file its process reads: the stored file, or a copy downloaded into this attempt's
     * staging folder, checked against the uploaded size.
     */
    protected Path localInput(io.vodpack.core.storage.ContentStore store) {
        try {
            Path input = store.localInput(job.inputStorageName(), staging.resolve("input"));
            if (java.nio.file.Files.size(input) != job.inputSize()) {
                throw new AttemptFailure(AttemptFailure.Kind.TRANSIENT, "the input arrived incomplete");
            }
            return input;
        } catch (java.io.IOException e) {
            throw AttemptFailure.storage("the input file cannot be read", e);
        }
    }
}
