package io.vodpack.packaging.transcode;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.vodpack.core.config.VodpackConfig;
import io.vodpack.packaging.engine.EngineProcess;

/**
 * ffmpeg command lines for the renditions of a ladder, as argument lists. Every video rendition gets keyframes at
 * exactly every segment duration and none elsewhere ({@code -force_key_frames} with {@code -sc_threshold 0}), so all
 * rungs share segment boundaries whatever the source's frame rate; the audio is made once, AAC-LC stereo. ffmpeg
 * writes its position to a progress file ({@code -progress}), which {@link #progress} reads.
 */
@ApplicationScoped
public class Ffmpeg {

    public static final String AUDIO = "audio";
    private static final int AUDIO_BITRATE_KBITS = 128;

    private final String executable;
    private final String preset;
    private final int segmentSeconds;

    public Ffmpeg(VodpackConfig config) {
        this.executable = EngineProcess.executable(config.packaging().transcode().ffmpegPath());
        this.preset = config.packaging().transcode().preset();
        this.segmentSeconds = config.packaging().segmentDuration();
    }

    /** The configured executable, for the readiness check and error messages. */
    public String executable() {
        return executable;
    }

    /**
     * The command that makes one rendition of {@code input} into {@code output} (MP4): a video rung of {@code height}
     * lines at {@code videoBitrate} kbit/s, or the audio when {@code height} is null.
     */
    public List<String> commandLine(Path input, Path output, Path progressFile, Integer height, Integer videoBitrate) {
        List<String> args = new ArrayList<>(List.of(executable, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "warning",
                "-y", "-i", input.toAbsolutePath().toString()));
        if (height == null) {
            args.addAll(List.of("-map", "0:a:0", "-vn", "-c:a", "aac", "-b:a", AUDIO_BITRATE_KBITS + "k", "-ac", "2",
                    "-ar", "48000"));
        } else {
            args.addAll(List.of("-map", "0:v:0", "-an",
                    "-vf", "scale=-2:" + height + ":flags=lanczos,setsar=1",
                    "-c:v", "libx264", "-preset", preset, "-profile:v", "high", "-pix_fmt", "yuv420p",
                    "-b:v", videoBitrate + "k", "-maxrate", (videoBitrate * 107 / 100) + "k", "-bufsize", (videoBitrate * 2) + "k",
                    "-force_key_frames", "expr:gte(t,n_forced*" + segmentSeconds + ")", "-sc_threshold", "0"));
        }
        args.addAll(List.of("-map_metadata", "-1", "-movflags", "+faststart",
                "-progress", progressFile.toAbsolutePath().toString(), "-f", "mp4", output.toAbsolutePath().toString()));
        return args;
    }

    /**
     * Blocking: how far ffmpeg got, 0–100, from the last {@code out_time_us} in its progress file against the
     * source's duration; 0 while there is none yet.
     */
    public static int progress(Path progressFile, long durationMillis) {
        if (durationMillis <= 0) {
            return 0;
        }
        try (RandomAccessFile file = new RandomAccessFile(progressFile.toFile(), "r")) {
            long length = file.length();
            int tail = (int) Math.min(length, 4096);
            byte[] bytes = new byte[tail];
            file.seek(length - tail);
            file.readFully(bytes);
            String[] lines = new String(bytes, StandardCharsets.US_ASCII).split("\n");
            for (int i = lines.length - 1; i >= 0; i--) {
                if (lines[i].startsWith("out_time_us=")) {
                    long micros = Long.parseLong(lines[i].substring("out_time_us=".length()).strip());
                    return (int) Math.max(0, Math.min(99, micros / 10 / durationMillis));
                }
            }
            return 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}
