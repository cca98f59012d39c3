package io.vodpack.core.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * Makes files durable before a committed row points at them: fsync of file contents, and of the folders whose
 * entries (new files, renames) must survive a power cut. Blocking; Linux and macOS allow fsync on a folder.
 */
public final class FileSync {

    private FileSync() {
    }

    /** Fsyncs every file under {@code root}, then every folder from the deepest up to {@code root} itself. */
    public static void tree(Path root) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.toList();
        }
        for (Path path : paths) {
            if (Files.isRegularFile(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                force(path);
            }
        }
        for (int i = paths.size() - 1; i >= 0; i--) {
            if (Files.isDirectory(paths.get(i), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                force(paths.get(i));
            }
        }
    }

    /** Fsyncs one file's contents. */
    public static void file(Path file) throws IOException {
        force(file);
    }

    /** Fsyncs a folder, so that entries created in it or renamed into it are on disk. */
    public static void folder(Path folder) throws IOException {
        force(folder);
    }

    private static void force(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
