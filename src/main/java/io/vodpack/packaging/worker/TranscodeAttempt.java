package io.vodpack.packaging.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.core.storage.FileSync;
import io.vodpack.packaging.engine.EngineProcess;
import io.vodpack.packaging.engine.EngineReadiness;
import io.vodpack.packaging.queue.ClaimedJob;
import io.vodpack.packaging.transcode.Ffmpeg;
import io.vodpack.upload.media.MediaInfo;
import io.vodpack.upload.media.Mp4Inspector;
import io.vodpack.upload.media.UnsupportedMediaException;

/**
 * One attempt at one rendition of a ladder: ffmpeg writes it into the attempt's own staging folder, and once it
 * succeeded (and the lease is still ours) the file is moved, fsynced, to {@code renditions/<packaging job>/<name>.mp4},
 * where the packaging job finds it. A rendition that an earlier attempt already moved there is replaced whole (the
 * move is atomic), never half-written.
 */
final class TranscodeAttempt extends Attempt {

    private final Ffmpeg ffmpeg;
    private final Duration timeout;
    private final Path progressFile;

    TranscodeAttempt(ClaimedJob job, Ffmpeg ffmpeg, ContentStorage storage, VodpackConfig config) {
        super(job, storage, config);
        this.ffmpeg = ffmpeg;
        this.timeout = config.packaging().transcode().timeout();
        this.progressFile = staging.resolve("work").resolve("progress.txt");
    }

    @Override
    void execute() {
        ClaimedJob.Rendition rendition = job.rendition();
        Path work = staging.resolve("work");
        Path input = storage.inputFile(job.inputStorageName());
        if (!Files.isRegularFile(input)) {
            throw new AttemptFailure("the input file is missing from storage (" + job.inputStorageName() + ")");
        }
        if (EngineReadiness.resolve(ffmpeg.executable()).isEmpty()) {
            // Another replica may have it: retried within max-attempts.
            throw new AttemptFailure(AttemptFailure.Kind.TRANSIENT, "ffmpeg not found at '" + ffmpeg.executable()
                    + "' (vodpack.packaging.transcode.ffmpeg-path)");
        }
        if (rendition.height() != null) {
            refuseUpscaling(input, rendition);
        }
        Path made = work.resolve(rendition.name() + ".mp4");
        Path target = storage.renditionsFolder(job.packagingJobId()).resolve(rendition.name() + ".mp4");
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
            Files.createDirectories(target.getParent());
            stopUnlessOurs();
            Files.move(made, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            FileSync.folder(target.getParent());
        } catch (IOException e) {
            throw new AttemptFailure(AttemptFailure.Kind.TRANSIENT, "storage error: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AttemptFailure("interrupted");
        }
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
