package io.vodpack.core.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vodpack.core.async.Async;
import io.vodpack.core.config.VodpackConfig;

/**
 * Removes folders under {@code packaged/} whose job row no longer exists (a deletion that crashed between the row
 * and the folder), once older than {@code vodpack.upload.stale-after}. Folders of any existing job, whatever its
 * status, are the packaging side's business and are left alone.
 */
@ApplicationScoped
public class PublishedFolderSweeper {

    private static final Logger LOG = Logger.getLogger(PublishedFolderSweeper.class);

    private final ContentStorage storage;
    private final VodpackConfig config;
    private final Async async;
    private final Pool pool;
    private final String jobs;

    public PublishedFolderSweeper(ContentStorage storage, VodpackConfig config, Async async, Pool pool,
            @ConfigProperty(name = "db.schema") String schema) {
        this.storage = storage;
        this.config = config;
        this.async = async;
        this.pool = pool;
        this.jobs = "\"" + schema.replace("\"", "\"\"") + "\".packaging_job";
    }

    @Scheduled(every = "${vodpack.upload.sweep-interval}", delayed = "3s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> sweep() {
        Instant cutoff = Instant.now().minus(config.upload().staleAfter());
        // worker thread: listing; event loop: the query; worker thread: deletions
        return async.blocking(() -> oldFolders(cutoff))
                .flatMap(folders -> folders.isEmpty() ? Uni.createFrom().voidItem()
                        : existingJobs(folders).flatMap(existing -> async.blocking(() -> deleteUnless(folders, existing))))
                .onFailure().invoke(failure -> LOG.warnf("Sweep of published folders failed: %s", failure.getMessage()))
                .onFailure().recoverWithNull();
    }

    private List<Path> oldFolders(Instant cutoff) throws IOException {
        List<Path> old = new ArrayList<>();
        try (Stream<Path> folders = Files.list(storage.packagedDir())) {
            for (Path folder : folders.toList()) {
                try {
                    // only job folders (named by the job id); anything else is not this sweep's to judge
                    if (jobId(folder.getFileName().toString()) != null
                            && Files.getLastModifiedTime(folder).toInstant().isBefore(cutoff)) {
                        old.add(folder);
                    }
                } catch (IOException gone) {
                    // removed meanwhile
                }
            }
        }
        return old;
    }

    private Uni<Set<String>> existingJobs(List<Path> folders) {
        Long[] ids = folders.stream().map(f -> jobId(f.getFileName().toString())).toArray(Long[]::new);
        return pool.preparedQuery("SELECT id FROM " + jobs + " WHERE id = ANY($1)").execute(Tuple.of(ids))
                .map(rows -> {
                    Set<String> existing = new HashSet<>();
                    rows.forEach(row -> existing.add(Long.toString(row.getLong(0))));
                    return existing;
                });
    }

    private static void deleteUnless(List<Path> folders, Set<String> existing) {
        int removed = 0;
        for (Path folder : folders) {
            if (!existing.contains(folder.getFileName().toString())) {
                ContentStorage.deleteRecursively(folder);
                removed++;
            }
        }
        if (removed > 0) {
            LOG.infof("Removed %d published folder(s) of jobs that no longer exist", removed);
        }
    }

    private static Long jobId(String name) {
        try {
            return Long.parseLong(name);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
