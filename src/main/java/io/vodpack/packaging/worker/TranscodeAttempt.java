package io.vodpack.packaging.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.storage.ContentStore;
import io.vodpack.core.storage.FileSync;
import io.vodpack.packaging.engine.EngineProcess;
import io.vodpack.packaging.engine.EngineReadiness;
import io.vodpack.packaging.queue.ClaimedJob;
import io.vodpack.packaging.transcode.Ffmpeg;
import io.vodpack.upload.media.MediaInfo;
import io.vodpack.upload.media.Mp4Inspector;
import io.vodpack.upload.media.UnsupportedMediaException;

/**
 * One attempt at one rendition of a ladder: ffmpeg reads the input (the stored file, or a copy downloaded into the
 * attempt's staging folder when inputs are objects) and writes the rendition into the staging folder; once it
 * succeeded (and the lease is still ours) the file is kept by the content store as {@code <name>.mp4} of the ladder:
 * moved, fsynced, to {@code renditions/<packaging job>/}, or uploaded to the bucket under the same key, where the
 * packaging job finds it on any replica. A rendition that an earlier attempt already kept is replaced whole (an atomic
 * move, or one object PUT), never half-written.
 */
final class TranscodeAttempt extends Attempt {

    private final Ffmpeg ffmpeg;
    private final ContentStore store;
    private final Duration timeout;
    private final Path progressFile;

    TranscodeAttempt(ClaimedJob job, Ffmpeg ffmpeg, AttemptStorage storage, VodpackConfig config) {
        super(job, storage.scratch, config);
        this.ffmpeg = ffmpeg;
        this.store = storage.store;
        this.timeout = config.packaging().transcode().timeout();
        this.progressFile = staging.resolve("work").resolve("progress.txt");
    }

    @Override
    void execute() {
        ClaimedJob.Rendition rendition = job.rendition();
        Path work = staging.resolve("work");
        if (EngineReadiness.resolve(ffmpeg.executable()).isEmpty()) {
            // Another replica may have it: retried within max-attempts.
            throw new AttemptFailure(AttemptFailure.Kind.TRANSIENT, "ffmpeg not found at '" + ffmpeg.executable()
                    + "' (vodpack.packaging.transcode.ffmpeg-path)");
        }
        Path input = localInput();
        if (rendition.height() != null) {
            refuseUpscaling(input, rendition);
        }
        Path made = work.resolve(rendition.name() + ".mp4");
        try {
            Files.createDirectories(work);
            List<String> command = ffmpeg.commandLine(input, made, progressFile, rendition.height(), rendition.videoBitrate());
            EngineProcess.Outcome outcome = EngineProcess.run(command, work, timeout, this::attach, () -> { }, List.of());
            stopUnlessOurs();
            if (outcome.timedOut()) {
                throw new AttemptFailure("ffmpeg ran longer than " + timeout
                        + " and was stopped (vodpack.packaging.transcode.timeout)");
            }
            if (!outcome.succeeded()) {
                String last = EngineProcess.lastLine(outcome.tail())
                        .replace(input.toString(), "<input>").replace(storage.root().toString(), "<storage>");
                throw new AttemptFailure("ffmpeg exited with code " + outcome.exitCode() + (last.isEmpty() ? "" : ": " + last));
            }
            if (!Files.isRegularFile(made) || Files.size(made) == 0) {
                throw new AttemptFailure("ffmpeg succeeded but wrote no " + rendition.name() + " rendition");
            }
            FileSync.file(made);
            stopUnlessOurs();
            store.keepRendition(job.packagingJobId(), rendition.name(), made);
        } catch (IOException e) {
            throw new AttemptFailure(AttemptFailure.Kind.TRANSIENT, "storage error: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AttemptFailure("interrupted");
        }
    }

    /** The input as a file ffmpeg reads (see {@link Attempt#localInput}), after checking that it is stored at all. */
    private Path localInput() {
        try {
            if (store.inputSize(job.inputStorageName()).isEmpty()) {
                throw new AttemptFailure("the input file is missing from storage (" + job.inputStorageName() + ")");
            }
        } catch (IOException e) {
            throw AttemptFailure.storage("the input file cannot be read", e);
        }
        return localInput(store);
    }

    /**
     * A rung never upscales, whatever the job's row says: the worker reads the source's decoded picture height itself
     * (the box headers only) before it starts ffmpeg. The rungs were chosen from the same height when the job was
     * created, so this refuses only a height recorded otherwise (an input stored before the height came from the
     * SPS, whose track header claimed more lines than it has).
     */
    private static void refuseUpscaling(Path input, ClaimedJob.Rendition rendition) {
        MediaInfo source;
        try {
            source = Mp4Inspector.inspect(input);
        } catch (IOException e) {
            throw new AttemptFailure(AttemptFailure.Kind.TRANSIENT, "the input file cannot be read: " + e.getMessage());
        } catch (UnsupportedMediaException e) {
            throw new AttemptFailure("the input file is no longer an MP4 vodpack reads: " + e.getMessage());
        }
        if (rendition.height() > source.height()) {
            throw new AttemptFailure("the source's pictures have " + source.height() + " lines, fewer than rendition "
                    + rendition.name() + ": the ladder never upscales");
        }
    }

    @Override
    int progress() {
        return Ffmpeg.progress(progressFile, job.inputDurationMillis());
    }

    /** Nothing outside the staging folder: a moved rendition is the ladder's until its packaging job ends. */
    @Override
    void discardOutput() {
    }
}
