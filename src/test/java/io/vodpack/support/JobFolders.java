package io.vodpack.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import javax.sql.DataSource;

import io.vodpack.core.storage.ContentStorage;

/** Where a job's files are: its live published folder (named in its row) and its attempts' staging folders. */
public final class JobFolders {

    private JobFolders() {
    }

    /** The published folder the job's row names live; a path that does not exist when it names none. */
    public static Path published(DataSource db, ContentStorage storage, long job) {
        String folder = Db.string(db, "select output_folder from packaging_job where id = ?", job);
        return storage.publishedFolder(folder == null ? "none-" + job : folder);
    }

    /** Every folder under packaged/ of any attempt at the job, live or not. */
    public static List<Path> allPublished(ContentStorage storage, long job) {
        return withPrefix(storage.packagedDir(), job);
    }

    /** Every staging folder of any attempt at the job. */
    public static List<Path> staging(ContentStorage storage, long job) {
        return withPrefix(storage.stagingDir(), job);
    }

    private static List<Path> withPrefix(Path dir, long job) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().equals(Long.toString(job))
                    || f.getFileName().toString().startsWith(job + "-")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
