package io.vodpack.core.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Fsyncs a folder's files while a process is still writing the folder, so that the disk writes overlap with the work
 * and the fsync before commit ({@link FileSync#tree}) finds little left to write. Only files that stopped growing
 * (the same size at two calls in a row: a finished segment) are fsynced, never the one being written, whose writer
 * an fsync would hold up. The fsyncs run on {@link FileSync}'s threads, several at once, and the caller does not wait
 * for them (an engine writes a 2 MiB segment in a few milliseconds: one fsync after the other would fall behind).
 * Only an optimisation: that final fsync stays the guarantee, so a failure here is ignored. One thread at a time.
 */
public final class SyncAhead {

    private final Path root;
    /** Each file's size when it was last fsynced here. */
    private final Map<Path, Long> synced = new HashMap<>();
    /** Each file's size at the previous call. */
    private final Map<Path, Long> seen = new HashMap<>();

    public SyncAhead(Path root) {
        this.root = root;
    }

    /**
     * Once the writer is done: starts the fsync of every file not fsynced at its present size, so that they reach the
     * disk while the output is checked.
     */
    public void syncRest() {
        syncGrown();
        syncGrown();
    }

    /** Starts the fsync of the files under the folder that kept their size since the previous call and changed since their last fsync. */
    public void syncGrown() {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(path -> Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)).toList();
        } catch (IOException | UncheckedIOException e) {
            return; // not there yet, or changing under the walk: the next call looks again
        }
        for (Path file : files) {
            try {
                long size = Files.size(file);
                Long before = seen.put(file, size);
                if (size > 0 && before != null && before == size && synced.getOrDefault(file, -1L) != size) {
                    FileSync.fileSoon(file);
                    synced.put(file, size);
                }
            } catch (IOException e) {
                // renamed or removed meanwhile: the final fsync decides
            }
        }
    }
}
