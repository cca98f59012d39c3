package io.vodpack.upload.media;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile box trees: the inspector reads them within fixed limits and answers 422 naming the limit, instead of
 * spending memory and CPU on whatever sizes and counts the client wrote.
 */
class Mp4InspectorLimitsTest {

    @TempDir
    Path dir;

    @Test
    void moovLargerThanSixteenMebibytesIsRejectedWithoutReadingIt() throws IOException {
        Path file = dir.resolve("big-moov.mp4");
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(box("ftyp", new byte[8]));
            int body = 20 * 1024 * 1024;
            out.write(header("moov", 8 + body));
            byte[] emptyTraks = new byte[1 << 20];
            ByteBuffer b = ByteBuffer.wrap(emptyTraks);
            while (b.hasRemaining()) {
                b.put(header("trak", 8));
            }
            for (int i = 0; i < body / emptyTraks.length; i++) {
                out.write(emptyTraks);
            }
        }
        assertThatThrownBy(() -> Mp4Inspector.inspect(file)).isInstanceOf(UnsupportedMediaException.class)
                .hasMessageContaining("moov box has 20971520 bytes").hasMessageContaining("16 MiB")
                .extracting("status").isEqualTo(422);
    }

    @Test
    void moreTracksThanTheLimitAreRejected() throws IOException {
        byte[] traks = new byte[8 * (Mp4Inspector.MAX_TRACKS + 1)];
        ByteBuffer b = ByteBuffer.wrap(traks);
        while (b.hasRemaining()) {
            b.put(header("trak", 8));
        }
        Path file = write("many-tracks.mp4", box("ftyp", new byte[8]), box("moov", traks));
        assertThatThrownBy(() -> Mp4Inspector.inspect(file))
                .hasMessageContaining("more than " + Mp4Inspector.MAX_TRACKS + " tracks").extracting("status").isEqualTo(422);
    }

    @Test
    void aFileOfTinyTopLevelBoxesStopsAtTheBoxBudget() throws IOException {
        byte[] free = new byte[8 * (Mp4Inspector.MAX_BOXES + 10)];
        ByteBuffer b = ByteBuffer.wrap(free);
        while (b.hasRemaining()) {
            b.put(header("free", 8));
        }
        Path file = write("tiny-boxes.mp4", box("ftyp", new byte[8]), free);
        assertThatThrownBy(() -> Mp4Inspector.inspect(file))
                .hasMessageContaining("more than " + Mp4Inspector.MAX_BOXES + " boxes").extracting("status").isEqualTo(422);
    }

    @Test
    void aMoovOfTinyBoxesStopsAtTheBoxBudget() throws IOException {
        byte[] free = new byte[8 * (Mp4Inspector.MAX_BOXES + 10)];
        ByteBuffer b = ByteBuffer.wrap(free);
        while (b.hasRemaining()) {
            b.put(header("free", 8));
        }
        Path file = write("tiny-moov-boxes.mp4", box("ftyp", new byte[8]), box("moov", free));
        assertThatThrownBy(() -> Mp4Inspector.inspect(file))
                .hasMessageContaining("more than " + Mp4Inspector.MAX_BOXES + " boxes").extracting("status").isEqualTo(422);
    }

    @Test
    void twoMoovBoxesAreRejected() throws IOException {
        Path file = write("two-moov.mp4", box("ftyp", new byte[8]), box("moov", new byte[0]), box("moov", new byte[0]));
        assertThatThrownBy(() -> Mp4Inspector.inspect(file)).hasMessageContaining("more than one moov box")
                .extracting("status").isEqualTo(422);
    }

    private Path write(String name, byte[]... parts) throws IOException {
        Path file = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (byte[] part : parts) {
                out.write(part);
            }
        }
        return file;
    }

    private static byte[] header(String type, int size) {
        return ByteBuffer.allocate(8).putInt(size).put(type.getBytes(StandardCharsets.ISO_8859_1)).array();
    }

    private static byte[] box(String type, byte[] body) {
        return ByteBuffer.allocate(8 + body.length).put(header(type, 8 + body.length)).put(body).array();
    }
}
