package io.vodpack.packaging.queue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vodpack.core.async.Async;
import io.vodpack.core.config.VodpackConfig;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.core.storage.ContentStore;
import io.vodpack.packaging.worker.ClaimLoop;

/**
 * Recovers from crashes: RUNNING jobs whose lease expired go back to the queue (or fail after
 * {@code vodpack.packaging.max-attempts}), staging folders of jobs that are not running are removed, and so are
 * published attempt folders that no job names as its live output and the renditions of ladders that have ended.
 */
@ApplicationScoped
public class JobSweeper {

    private static final Logger LOG = Logger.getLogger(JobSweeper.class);
    private static final Pattern ATTEMPT_FOLDER = Pattern.compile("[0-9]+-[0-9]+-[0-9a-f]+");

    private final JobQueue queue;
    private final ClaimLoop claims;
    private final ContentStorage storage;
    private final ContentStore store;
    private final VodpackConfig config;
    private final Async async;

    public JobSweeper(JobQueue queue, ClaimLoop claims, ContentStorage storage, ContentStore store, VodpackConfig config,
            Async async) {
        this.queue = queue;
        this.claims = claims;
        this.storage = storage;
        this.store = store;
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
                .flatMap(removed -> async.blocking(this::unlivePublishedFolders))
                .flatMap(candidates -> queue.liveOutputs(candidates)
                        .flatMap(live -> async.blocking(() -> removeUnlive(candidates, live))))
                .flatMap(removed -> async.blocking(this::renditionFolders))
                .flatMap(folders -> queue.unfinished(folders)
                        .flatMap(unfinished -> async.blocking(() -> removeEndedRenditions(folders, unfinished))))
                .replaceWithVoid();
    }

    /** Blocking: the ids of the ladders with renditions kept, last written more than a lease ago. */
    private List<Long> renditionFolders() {
        try {
            return store.renditionLaddersOlderThan(Instant.now().minus(config.packaging().lease()));
        } catch (IOException e) {
            LOG.warnf("Cannot list the ladders' renditions to sweep: %s", e.getMessage());
            return List.of();
        }
    }

    /**
     * Blocking: removes the renditions of ladders whose job is over or gone: normally removed when the job ends, these
     * are left by a crash, or written by a rendition's attempt that was stopped after its ladder ended.
     */
    private int removeEndedRenditions(List<Long> folders, Set<Long> unfinished) {
        int removed = 0;
        for (Long id : folders) {
            if (!unfinished.contains(id)) {
                try {
                    store.deleteRenditions(id);
                    removed++;
                } catch (IOException e) {
                    LOG.warnf("Cannot remove the renditions of ladder %d: %s", id, e.getMessage());
                }
            }
        }
        if (removed > 0) {
            LOG.infof("Removed the renditions of %d ladder(s) whose job has ended", removed);
        }
        return removed;
    }

    /** Blocking: published attempt folders last written over a lease ago; whether one is live the database says. */
    private List<String> unlivePublishedFolders() {
        try {
            return store.publishedOlderThan(Instant.now().minus(config.packaging().lease())).stream()
                    .filter(name -> ATTEMPT_FOLDER.matcher(name).matches()).toList();
        } catch (IOException | RuntimeException e) {
            LOG.warnf("Cannot sweep published folders: %s", e.getMessage());
            return List.of();
        }
    }

    /**
     * Blocking: removes published attempt folders no row names live: a stale attempt's output whose DONE was
     * refused, or whose outcome could not be recorded. One younger than a lease may be about to become live.
     */
    private int removeUnlive(List<String> candidates, Set<String> live) {
        int removed = 0;
        for (String name : candidates) {
            if (!live.contains(name)) {
                try {
                    store.deletePublished(name);
                    removed++;
                } catch (IOException | RuntimeException e) {
                    LOG.warnf("Cannot remove published folder %s: %s", name, e.getMessage());
                }
            }
        }
        if (removed > 0) {
            LOG.infof("Removed %d published folder(s) that no job names live", removed);
        }
        return removed;
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
        // Folders are named <job>-<attempt>-<token>: a running job keeps the folders of all its attempts (a stale
        // attempt removes its own when it stops).
        int removed = 0;
        try (Stream<Path> folders = Files.list(storage.stagingDir())) {
            for (Path folder : folders.toList()) {
                // A folder younger than a lease may belong to a job claimed after the running ids were read.
                String job = folder.getFileName().toString().split("-", 2)[0];
                if (!keep.contains(job) && olderThan(folder, config.packaging().lease())) {
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
