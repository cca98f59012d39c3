package io.vodpack.core.storage;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Makes files durable before a committed row points at them: fsync of file contents, and of the folders whose
 * entries (new files, renames) must survive a power cut. Blocking; Linux and macOS allow fsync on a folder.
 */
public final class FileSync {

    private FileSync() {
    }

    /**
     * Threads that wait for the disk in {@link #tree}: concurrent fsyncs on one file system share its journal commits,
     * where one after the other each may wait for a commit of its own. Daemon threads, made when first needed.
     */
    private static final ExecutorService SYNCERS = Executors.newFixedThreadPool(8, runnable -> {
        Thread thread = new Thread(runnable, "vodpack-fsync");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * Fsyncs every file and folder under {@code root}, {@code root} included, several at once; returns when all are on
     * disk, or throws the first failure.
     */
    public static void tree(Path root) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.filter(path -> Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)
                    || Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)).toList();
        }
        List<Future<?>> syncs = new ArrayList<>(paths.size());
        for (Path path : paths) {
            syncs.add(SYNCERS.submit(() -> {
                force(path);
                return null;
            }));
        }
        IOException failure = null;
        for (Future<?> sync : syncs) {
            try {
                sync.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                syncs.forEach(pending -> pending.cancel(false));
                throw new InterruptedIOException("interrupted while waiting for fsync");
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Starts an fsync of one file's contents on the fsync threads and returns at once; a failure is dropped (for
     * syncing ahead: a later {@link #tree} is the guarantee).
     */
    public static void fileSoon(Path file) {
        SYNCERS.execute(() -> {
            try {
                force(file);
            } catch (IOException | RuntimeException e) {
                // renamed or removed meanwhile, or a disk error that the final fsync reports
            }
        });
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
