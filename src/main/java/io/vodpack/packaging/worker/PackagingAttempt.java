package io.vodpack.packaging.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.core.storage.ContentStore;
import io.vodpack.core.storage.SyncAhead;
import io.vodpack.packaging.engine.EngineProcess;
import io.vodpack.packaging.engine.HlsPlaylists;
import io.vodpack.packaging.engine.Packager;
import io.vodpack.packaging.engine.PackagingRequest;
import io.vodpack.packaging.engine.StreamManifest;
import io.vodpack.packaging.queue.ClaimedJob;
import io.vodpack.packaging.queue.JobQueue;

/**
 * One attempt at one claimed job, start to finish: the free-space check, the attempt's own staging folder
 * ({@code staging/<job>-<attempt>-<token>}, where a bucket's input is downloaded), the engine's processes, the MPD
 * (and HLS playlist) check, and the publish ({@link ContentStore#publish}) as the attempt's own
 * {@code packaged/<job>-<attempt>-<token>}. It never touches another attempt's folders; which
 * published folder is live is decided by the DONE transition, guarded by this attempt's lease (see JobRunner).
 * Blocking: it runs on a {@code vodpack-packager-N} thread. A cancellation or a lost lease (from any thread) kills
 * the engine's process tree.
 */
final class PackagingAttempt extends Attempt {

    private final Packager engine;
    private final ContentStore store;
    private final long minFreeSpace;

    /** {@code engine} is null when the job names an engine this instance does not have. */
    PackagingAttempt(ClaimedJob job, Packager engine, AttemptStorage storage, VodpackConfig config) {
        super(job, storage.scratch, config);
        this.engine = engine;
        this.store = storage.store;
        this.minFreeSpace = config.upload().minFreeSpace();
    }

    /**
     * Whether the output holds HLS playlists beside the MPD (checked before it is published), under one key or
     * separate keys alike.
     */
    @Override
    boolean writesHls() {
        return engine != null && engine.writesHls();
    }

    /** Blocking: packages and publishes into this attempt's own folder, or throws {@link AttemptFailure}. */
    @Override
    void execute() {
        Path out = staging.resolve("out");
        Path work = staging.resolve("work");
        checkInput();
        if (engine == null) {
            throw new AttemptFailure("unknown packaging engine '" + job.engine() + "'");
        }
        checkFreeSpace();
        // A ladder packages its renditions only: the input itself is not needed (nor downloaded from a bucket).
        List<PackagingRequest.Track> tracks = job.ladder() ? renditionTracks() : PackagingRequest.sourceTracks(localInput(store));
        Path input = tracks.get(0).file();
        PackagingRequest request = new PackagingRequest(input, tracks, job.trackKeys(), out, work,
                settings.segmentDuration(), StreamManifest.relativeLicenseUrl(job.id()), HlsPlaylists.relativeKeyUri(job.id()));
        try {
            Files.createDirectories(out);
            Files.createDirectories(work);
            timeline.mark("checks");
            runEngine(request, input);
            timeline.mark("engine run");
            StreamManifest.finish(out.resolve("stream.mpd"),
                    job.trackKeys().stream().map(PackagingRequest.TrackKey::kid).toList(), request.licenseUrl());
            if (writesHls()) {
                HlsPlaylists.check(out, request::hlsKeyUriOf);
            }
            timeline.mark("MPD and playlist check");
            stopUnlessOurs();
            // Everything the DONE row will point to is durable (fsynced, or written to the bucket) before the row
            // is committed.
            store.publish(out, job.folderName());
            timeline.mark("publish");
        } catch (StreamManifest.InvalidOutputException e) {
            throw new AttemptFailure("the engine's output does not check out: " + e.getMessage());
        } catch (IOException e) {
            throw AttemptFailure.storage("storage error", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AttemptFailure("interrupted");
        }
    }

    /**
     * A ladder's tracks: each transcoded rendition ({@code video/<name>/} for a rung, {@code audio/} for the audio) as
     * a local file (kept in place, or downloaded into the staging folder from the bucket), which must all be there.
     */
    private List<PackagingRequest.Track> renditionTracks() {
        List<PackagingRequest.Track> tracks = new ArrayList<>();
        for (ClaimedJob.Rendition rendition : job.renditions()) {
            Path file;
            try {
                file = store.localRendition(job.id(), rendition.name(), staging.resolve("renditions")).orElseThrow(
                        () -> new AttemptFailure("rendition " + rendition.name() + " is missing from storage"));
            } catch (IOException e) {
                throw AttemptFailure.storage("rendition " + rendition.name() + " cannot be read", e);
            }
            tracks.add(rendition.audio() ? new PackagingRequest.Track(file, "audio", "audio", rendition.drmLabel())
                    : new PackagingRequest.Track(file, "video", "video/" + rendition.name(), rendition.drmLabel()));
        }
        return List.copyOf(tracks);
    }

    /**
     * The output needs about the input's size times {@code output-size-factor} (plus the input's own size when it
     * is downloaded to scratch), and the upload reserve stays free.
     */
    private void checkFreeSpace() {
        long needed = (long) Math.ceil(job.inputSize() * settings.outputSizeFactor()) + minFreeSpace
                + (store.inputsAreLocal() ? 0 : job.inputSize());
        long free;
        try {
            free = Files.getFileStore(storage.stagingDir()).getUsableSpace();
        } catch (IOException e) {
            throw new AttemptFailure(AttemptFailure.Kind.TRANSIENT, "cannot read the free space of the storage: " + e.getMessage());
        }
        if (free < needed) {
            throw new AttemptFailure(AttemptFailure.Kind.NO_SPACE, "waiting for free space: the output needs about "
                    + needed / (1024 * 1024) + " MiB including the reserve (vodpack.upload.min-free-space), "
                    + free / (1024 * 1024) + " MiB are free; the job stays queued and is tried again");
        }
    }

    /** The stored input is present and as large as it was when uploaded. */
    private void checkInput() {
        Optional<Long> size;
        try {
            size = store.inputSize(job.inputStorageName());
        } catch (IOException e) {
            throw AttemptFailure.storage("the input file cannot be read", e);
        }
        if (size.isEmpty()) {
            throw new AttemptFailure("the input file is missing from storage (" + job.inputStorageName() + ")");
        }
        if (size.get() != job.inputSize()) {
            throw new AttemptFailure("the stored input is damaged: it has " + size.get() + " bytes, but " + job.inputSize()
                    + " were uploaded; upload it again");
        }
    }

    /** Runs the engine's command lines in turn, all within {@code vodpack.packaging.timeout}. */
    private void runEngine(PackagingRequest request, Path input) throws IOException, InterruptedException {
        List<String> secrets = job.trackKeys().stream().map(PackagingRequest.TrackKey::key)
                .flatMap(key -> java.util.stream.Stream.of(key.hex(), key.base64url(), key.text())).toList();
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        // The output reaches the disk while the engine writes it: the fsync before DONE then has little left to do.
        SyncAhead output = new SyncAhead(request.outputDir());
        for (List<String> command : engine.commandLines(request)) {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            EngineProcess.Outcome outcome = EngineProcess.run(command, request.workDir(), left, this::attach,
                    output::syncGrown, secrets);
            stopUnlessOurs();
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
        // the output is final: its last files go to the disk while the MPD and the playlists are checked
        output.syncRest();
    }

    /** Blocking: progress from the media time written so far (video segments) against the input's duration. */
    @Override
    int progress() {
        if (job.inputDurationMillis() <= 0) {
            return 0;
        }
        // With a ladder, the tallest rung's segments; the transcodes made the first 90 %.
        Path video = staging.resolve("out").resolve("video");
        if (job.ladder()) {
            video = video.resolve(job.renditions().get(0).name());
        }
        try (var files = Files.list(video)) {
            long segments = files.filter(f -> f.getFileName().toString().startsWith("seg")).count();
            long writtenMillis = segments * settings.segmentDuration() * 1000L;
            int packaged = (int) Math.min(99, writtenMillis * 100 / job.inputDurationMillis());
            return job.ladder() ? JobQueue.TRANSCODE_SHARE + packaged * (100 - JobQueue.TRANSCODE_SHARE) / 100 : packaged;
        } catch (IOException e) {
            return 0;
        }
    }

    /** Blocking: removes this attempt's published folder, which never became live. */
    @Override
    void discardOutput() {
        try {
            store.deletePublished(job.folderName());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
