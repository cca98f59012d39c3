package io.vodpack.packaging;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vodpack.access.Caller;
import io.vodpack.core.error.ProblemException;
import io.vodpack.packaging.events.JobEvents;
import io.vodpack.packaging.events.JobState;
import io.vodpack.packaging.events.JobWatch;

/**
 * Answers when a job changes: waiting GETs ({@code ?wait=N}) and event streams. Each wait opens a {@link JobWatch}
 * before it reads the row, and reads the row again whenever the watch wakes (a notification, or its timer): the
 * database is the truth, notifications only say when to look.
 */
@ApplicationScoped
public class PackagingJobFollower {

    /** An event stream reads the row at least this often, even when no notification arrives. */
    static final Duration STREAM_RECHECK = Duration.ofSeconds(25);

    private final PackagingJobRepository jobs;
    private final JobEvents events;
    private final Caller caller;

    public PackagingJobFollower(PackagingJobRepository jobs, JobEvents events, Caller caller) {
        this.jobs = jobs;
        this.events = events;
        this.caller = caller;
    }

    /**
     * The caller's job as soon as its status or progress differs from what it is now, or as it is after
     * {@code wait}; a finished job (it never changes again) at once. 404 for an unknown or another owner's job,
     * 429 when this instance holds {@code vodpack.events.max-waiting} waits already.
     */
    public Uni<PackagingJob> whenChanged(long id, Duration wait) {
        String owner = caller.ownerFilter();
        long deadline = System.nanoTime() + wait.toNanos();
        JobWatch watch = events.watch(id);
        return read(id, owner)
                .flatMap(job -> job.status.finished() ? Uni.createFrom().item(job)
                        : untilDifferent(id, owner, watch, stateOf(job), deadline))
                .onTermination().invoke(watch::close);
    }

    private Uni<PackagingJob> untilDifferent(long id, String owner, JobWatch watch, JobState seen, long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return read(id, owner);
        }
        return watch.next(Duration.ofNanos(left)).flatMap(woken -> read(id, owner)).flatMap(job -> {
            boolean changed = !stateOf(job).equals(seen);
            return changed || System.nanoTime() >= deadline ? Uni.createFrom().item(job)
                    : untilDifferent(id, owner, watch, seen, deadline);
        });
    }

    /**
     * A page of the caller's jobs as soon as it differs (a job on it changed status or progress, or one came or
     * left), or as it is after {@code wait}.
     */
    public Uni<List<PackagingJob>> listWhenChanged(PackagingJob.Status status, int page, int size, Duration wait) {
        String owner = caller.ownerFilter();
        long deadline = System.nanoTime() + wait.toNanos();
        JobWatch watch = events.watchAll();
        return list(owner, status, page, size)
                .flatMap(first -> listUntilDifferent(owner, status, page, size, watch, statesOf(first), deadline))
                .onTermination().invoke(watch::close);
    }

    private Uni<List<PackagingJob>> listUntilDifferent(String owner, PackagingJob.Status status, int page, int size,
            JobWatch watch, List<String> seen, long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return list(owner, status, page, size);
        }
        return watch.next(Duration.ofNanos(left)).flatMap(woken -> list(owner, status, page, size)).flatMap(now -> {
            boolean changed = !statesOf(now).equals(seen);
            return changed || System.nanoTime() >= deadline ? Uni.createFrom().item(now)
                    : listUntilDifferent(owner, status, page, size, watch, seen, deadline);
        });
    }

    /**
     * The caller's job each time its status or progress changes, starting with its current state unless that is
     * {@code after} (what a reconnecting client saw last), and ending with the first finished state. The stream
     * holds one wait of this instance's {@code vodpack.events.max-waiting} while it is open (429 when none is free,
     * thrown at once). The endpoint checks that the job is the caller's before the stream starts ({@link ExistingJob}).
     */
    public Multi<Change> changes(long id, JobState after) {
        String owner = caller.ownerFilter();
        JobWatch watch = events.watch(id);
        return Multi.createFrom().<Change> emitter(emitter -> {
            AtomicReference<JobState> last = new AtomicReference<>(after);
            AtomicReference<Cancellable> step = new AtomicReference<>();
            emitter.onTermination(() -> {
                watch.close();
                Cancellable current = step.get();
                if (current != null) {
                    current.cancel();
                }
            });
            // The first step reads the row; each later one waits for a state other than the last one sent.
            AtomicReference<Boolean> started = new AtomicReference<>(false);
            Runnable[] next = new Runnable[1];
            next[0] = () -> {
                Uni<PackagingJob> read = started.getAndSet(true) ? nextState(id, owner, watch, last.get()) : read(id, owner);
                step.set(read.subscribe().with(job -> {
                    if (!stateOf(job).equals(last.get())) {
                        emitter.emit(new Change(last.getAndSet(stateOf(job)), job));
                    }
                    if (job.status.finished()) {
                        emitter.complete();
                    } else {
                        next[0].run();
                    }
                }, emitter::fail));
            };
            next[0].run();
        });
    }

    /** A job as it is now, and the state the client saw before (null: nothing yet). */
    public record Change(JobState before, PackagingJob job) {

        /** Whether only the progress moved since the client's last event. */
        public boolean onlyProgress() {
            return before != null && before.status().equals(job.status.name());
        }
    }

    /** The job once its state differs from {@code seen}, reading the row whenever the watch wakes or times out. */
    private Uni<PackagingJob> nextState(long id, String owner, JobWatch watch, JobState seen) {
        return watch.next(STREAM_RECHECK).flatMap(woken -> read(id, owner)).flatMap(job -> stateOf(job).equals(seen)
                ? nextState(id, owner, watch, seen) : Uni.createFrom().item(job));
    }

    public static JobState stateOf(PackagingJob job) {
        return new JobState(job.status.name(), job.progress);
    }

    private static List<String> statesOf(List<PackagingJob> page) {
        return page.stream().map(job -> job.id + ":" + stateOf(job).eventId()).toList();
    }

    private Uni<PackagingJob> read(long id, String owner) {
        return Panache.withSession(() -> jobs.findOwned(id, owner))
                .onItem().ifNull().failWith(() -> ProblemException.notFound("No packaged content with id " + id + "."));
    }

    private Uni<List<PackagingJob>> list(String owner, PackagingJob.Status status, int page, int size) {
        return Panache.withSession(() -> jobs.newestFirst(owner, status, page, size));
    }
}
