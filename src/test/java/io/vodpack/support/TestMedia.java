package io.vodpack.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * Real media made with ffmpeg at test time (once per build, cached under target/test-media).
 * Tests that need it skip with a visible reason where ffmpeg is missing; .ci/run installs it.
 */
public final class TestMedia {

    private static final Path DIR = Path.of("target", "test-media");

    private TestMedia() {
    }

    /** 6 s, 320x240, H.264 (2 s GOP) + AAC, faststart: what vodpack accepts. */
    public static Path h264Aac() {
        return make("h264-aac.mp4", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i",
                "sine=frequency=440:sample_rate=48000", "-t", "6", "-c:v", "libx264", "-preset", "veryfast", "-g", "50",
                "-keyint_min", "50", "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
                "-movflags", "+faststart");
    }

    /** 12 s, 640x360 H.264 + AAC: long enough for a player to pass 5 s of playback. */
    public static Path h264AacLong() {
        return make("h264-aac-12s.mp4", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i",
                "sine=frequency=440:sample_rate=48000", "-t", "12", "-c:v", "libx264", "-preset", "veryfast", "-g", "50",
                "-keyint_min", "50", "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
                "-movflags", "+faststart");
    }

    /** 6 s, 1920x1080 H.264 at a low bitrate (2 s GOP) + AAC: a short source for the full default ladder. */
    public static Path h264Aac1080p() {
        return make("h264-aac-1080p.mp4", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25", "-f", "lavfi", "-i",
                "sine=frequency=440:sample_rate=48000", "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "1500k",
                "-g", "50", "-keyint_min", "50", "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
                "-movflags", "+faststart");
    }

    /**
     * 50 s, 1920x1080 H.264 + AAC with moving noise over the picture, so that every rung of a ladder made from it
     * spends its whole bitrate (a clean test pattern would fit the top rung into a fraction of it): a source for
     * watching a player's rendition choice follow the network, long enough for what a slow start buffered to play out
     * before the end. About 7.3 MB, under the tests' upload limit.
     */
    public static Path h264Aac1080pDetailed() {
        return make("h264-aac-1080p-50s-noise.mp4", "-f", "lavfi", "-i",
                "testsrc2=size=1920x1080:rate=25,noise=alls=24:allf=t", "-f", "lavfi", "-i",
                "sine=frequency=440:sample_rate=48000", "-t", "50", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "1100k",
                "-maxrate", "1150k", "-bufsize", "2300k",
                "-g", "50", "-keyint_min", "50", "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
                "-movflags", "+faststart");
    }

    /** 6 s, 1280x720 H.264 at a low bitrate + AAC: a source shorter than the default ladder's top rung. */
    public static Path h264Aac720p() {
        return make("h264-aac-720p.mp4", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-f", "lavfi", "-i",
                "sine=frequency=440:sample_rate=48000", "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "1000k",
                "-g", "50", "-keyint_min", "50", "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
                "-movflags", "+faststart");
    }

    /**
     * 8 s, 1280x720 H.264 at 16 Mbit/s + AAC, about 15 MB, with the moov box at the end (no faststart): several
     * parts of a multipart upload, checked where its track metadata comes last.
     */
    public static Path h264AacMoovAtEnd() {
        return make("h264-aac-moov-at-end.mp4", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-f", "lavfi", "-i",
                "sine=frequency=440:sample_rate=48000", "-t", "8", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "16M",
                "-minrate", "16M", "-maxrate", "16M", "-bufsize", "8M", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac",
                "-b:a", "64k");
    }

    /** 6 s, 640x360 H.264 + AAC. */
    public static Path h264Aac360p() {
        return make("h264-aac-360p.mp4", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i",
                "sine=frequency=440:sample_rate=48000", "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "500k",
                "-g", "50", "-keyint_min", "50", "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
                "-movflags", "+faststart");
    }

    /**
     * {@link #h264Aac360p} whose headers claim 1920x1080: the video track header ({@code tkhd}) and the {@code avc1}
     * sample entry say 1080 lines, the coded pictures (the SPS) have 360.
     */
    public static synchronized Path h264Aac360pClaiming1080p() {
        Path out = DIR.resolve("h264-aac-360p-claiming-1080p.mp4");
        if (Files.exists(out)) {
            return out;
        }
        try {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(Files.readAllBytes(h264Aac360p()));
            int tkhd = videoTrackHeader(b);
            int version = b.get(tkhd + 8) & 0xff;
            int size = tkhd + 8 + (version == 1 ? 88 : 76);
            b.putInt(size, 1920 << 16).putInt(size + 4, 1080 << 16);
            int avc1 = indexOf(b, "avc1", 0) - 4;
            b.putShort(avc1 + 8 + 24, (short) 1920).putShort(avc1 + 8 + 26, (short) 1080);
            Path tmp = DIR.resolve("h264-aac-360p-claiming-1080p.tmp.mp4");
            Files.write(tmp, b.array());
            Files.move(tmp, out);
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@link #h264Aac360p} with the video track turned by 90 degrees (tkhd matrix), as phones record portrait video. */
    public static Path h264Aac360pRotated() {
        return make("h264-aac-360p-rotated.mp4", "-i", h264Aac360p().toString(), "-c", "copy", "-metadata:s:v:0", "rotate=90",
                "-movflags", "+faststart");
    }

    /** The start of the {@code tkhd} box (its size field) whose size fields are non-zero: the video track's. */
    private static int videoTrackHeader(java.nio.ByteBuffer b) {
        for (int at = indexOf(b, "tkhd", 0); at >= 0; at = indexOf(b, "tkhd", at + 4)) {
            int box = at - 4;
            int version = b.get(box + 8) & 0xff;
            int size = box + 8 + (version == 1 ? 88 : 76);
            if (b.getInt(size) != 0) {
                return box;
            }
        }
        throw new IllegalStateException("no video tkhd");
    }

    private static int indexOf(java.nio.ByteBuffer b, String fourcc, int from) {
        byte[] pattern = fourcc.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        outer:
        for (int i = from; i <= b.limit() - 4; i++) {
            for (int j = 0; j < 4; j++) {
                if (b.get(i + j) != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    public static Path videoOnly() {
        return make("video-only.mp4", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "2", "-c:v", "libx264",
                "-preset", "veryfast", "-pix_fmt", "yuv420p");
    }

    public static Path hevcAac() {
        return make("hevc-aac.mp4", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i",
                "sine=frequency=440", "-t", "2", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error",
                "-tag:v", "hvc1", "-c:a", "aac");
    }

    public static Path h264Opus() {
        return make("h264-opus.mp4", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i",
                "sine=frequency=440:sample_rate=48000", "-t", "2", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt",
                "yuv420p", "-c:a", "libopus", "-strict", "-2");
    }

    public static void assumeFfmpeg() {
        Assumptions.assumeTrue(onPath("ffmpeg"), "ffmpeg is not installed (apt-get install -y ffmpeg); .ci/run installs it");
    }

    public static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    private static synchronized Path make(String name, String... args) {
        assumeFfmpeg();
        Path out = DIR.resolve(name);
        if (Files.exists(out)) {
            return out;
        }
        try {
            Files.createDirectories(DIR);
            Path tmp = DIR.resolve(name + ".tmp.mp4");
            List<String> command = new ArrayList<>(List.of("ffmpeg", "-v", "error", "-y", "-nostdin"));
            command.addAll(List.of(args));
            command.add(tmp.toString());
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("ffmpeg failed making " + name + ": " + output);
            }
            Files.move(tmp, out);
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
