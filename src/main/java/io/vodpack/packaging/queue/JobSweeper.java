package io.vodpack.packaging.queue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vodpack.core.async.Async;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.packaging.worker.ClaimLoop;

/**
 * Recovers from crashes: RUNNING jobs whose lease expired go back to the queue (or fail after
 * {@code vodpack.packaging.max-attempts}), and staging folders of jobs that are not running are removed.
 */
@ApplicationScoped
public class JobSweeper {

    private static final Logger LOG = Logger.getLogger(JobSweeper.class);

    private final JobQueue queue;
    private final ClaimLoop claims;
    private final ContentStorage storage;
    private final VodpackConfig config;
    private final Async async;

    public JobSweeper(JobQueue queue, ClaimLoop claims, ContentStorage storage, VodpackConfig config, Async async) {
        this.queue = queue;
        this.claims = claims;
        this.storage = storage;
        this.config = config;
        this.async = async;
    }

    @Scheduled(every = "${vodpack.packaging.sweep-interval}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> sweep() {
        return queue.reclaimExpired(config.packaging().maxAttempts())
                .invoke(counts -> {
                    if (counts[0] > 0 || counts[1] > 0) {
                        LOG.infof("Jobs with expired leases: %d back in the queue, %d failed after %d attempts", counts[0],
                                counts[1], config.packaging().maxAttempts());
                        claims.signal();
                    }
                })
                .flatMap(counts -> queue.runningIds())
                .flatMap(running -> async.blocking(() -> removeOrphanedStaging(running)))
                .replaceWithVoid();
    }

    private static boolean olderThan(Path folder, Duration age) {
        try {
            return Files.getLastModifiedTime(folder).toInstant().isBefore(Instant.now().minus(age));
        } catch (IOException e) {
            return false;
        }
    }

    /** Blocking: deletes staging folders that belong to no running job and are older than a lease. */
    private int removeOrphanedStaging(List<Long> runningIds) {
        Set<String> keep = new HashSet<>();
        runningIds.forEach(id -> keep.add(Long.toString(id)));
        int removed = 0;
        try (Stream<Path> folders = Files.list(storage.stagingDir())) {
            for (Path folder : folders.toList()) {
                // A folder younger than a lease may belong to a job claimed after the running ids were read.
                if (!keep.contains(folder.getFileName().toString()) && olderThan(folder, config.packaging().lease())) {
                    ContentStorage.deleteRecursively(folder);
                    removed++;
                }
            }
        } catch (IOException e) {
            LOG.warnf("Cannot sweep %s: %s", storage.stagingDir(), e.getMessage());
        }
        if (removed > 0) {
            LOG.infof("Removed %d orphaned staging folder(s)", removed);
        }
        return removed;
    }
}
