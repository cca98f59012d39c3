package io.vodpack.upload.ingest;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * fsync for what a committed row points to: a file's bytes before its offset or row is recorded, and a folder
 * after a file was created or renamed in it (otherwise the new name may not survive a crash). Blocking: call on a
 * worker thread.
 */
public final class Durable {

    private Durable() {
    }

    /** Flushes a file's bytes, or a folder's entries, to the disk. */
    public static void force(Path path) throws IOException {
        // Linux flushes a file or a folder through a read-only descriptor as well
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
