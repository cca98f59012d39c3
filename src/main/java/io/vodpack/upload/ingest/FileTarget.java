package io.vodpack.upload.ingest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A partial upload file as a {@link BodyTarget}: gathered writes through one {@link FileChannel} (direct chunks go to
 * the kernel without a copy in the JVM). Opening and writing block: call them on a worker thread.
 */
public final class FileTarget implements BodyTarget {

    private final FileChannel channel;

    private FileTarget(FileChannel channel) {
        this.channel = channel;
    }

    /** A new, empty file; fails if {@code file} exists. */
    public static FileTarget create(Path file) throws IOException {
        return new FileTarget(FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW));
    }

    /** An existing file, written from {@code offset} on (what lies beyond is overwritten, never truncated here). */
    public static FileTarget at(Path file, long offset) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE);
        channel.position(offset);
        return new FileTarget(channel);
    }

    @Override
    public void append(ByteBuffer[] chunks) throws IOException {
        long left = 0;
        for (ByteBuffer chunk : chunks) {
            left += chunk.remaining();
        }
        while (left > 0) {
            left -= channel.write(chunks);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
