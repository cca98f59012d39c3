package io.vodpack.upload;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import org.jboss.logging.Logger;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vodpack.access.Caller;
import io.vodpack.core.async.Async;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.storage.ContentStore;

/** Reads and removes stored inputs. */
@ApplicationScoped
public class InputContentService {

    private static final Logger LOG = Logger.getLogger(InputContentService.class);

    private final InputContentRepository repository;
    private final ContentStore inputs;
    private final Instance<InputUsage> usages;
    private final Async async;
    private final Caller caller;

    public InputContentService(InputContentRepository repository, ContentStore inputs, Instance<InputUsage> usages,
            Async async, Caller caller) {
        this.caller = caller;
        this.repository = repository;
        this.inputs = inputs;
        this.usages = usages;
        this.async = async;
    }

    public Uni<InputContent> get(long id) {
        String owner = caller.ownerFilter();
        return Panache.withSession(() -> repository.findOwned(id, owner, null))
                .onItem().ifNull().failWith(() -> ProblemException.notFound("No input content with id " + id + "."));
    }

    public Uni<List<InputContent>> list(int page, int size) {
        String owner = caller.ownerFilter();
        return Panache.withSession(() -> repository.newestFirst(owner, page, size));
    }

    /**
     * Deletes the row, then the file. The row is locked while unfinished jobs are counted, so a job
     * cannot start reading an input that is being deleted.
     */
    public Uni<Void> delete(long id) {
        String owner = caller.ownerFilter();
        return Panache.withTransaction(() -> repository.findOwned(id, owner, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("No input content with id " + id + "."))
                .call(content -> activeUsers(id).invoke(active -> {
                    if (active > 0) {
                        throw ProblemException.conflict("input-in-use", "Input content " + id + " is used by " + active
                                + " packaging job(s) that have not finished; cancel them or wait.");
                    }
                }))
                .call(content -> repository.delete(content)))
                .flatMap(content -> async.blocking(() -> inputs.deleteInput(content.storageName))
                        // the row is gone, so the input is: an object the storage could not delete now is no row's,
                        // and the upload sweeper removes it after vodpack.upload.stale-after
                        .onFailure().invoke(e -> LOG.warnf("Could not delete the file of input %d now (%s); the sweeper"
                                + " removes it", id, e.getMessage()))
                        .onFailure().recoverWithNull())
                .replaceWithVoid();
    }

    private Uni<Long> activeUsers(long id) {
        Uni<Long> total = Uni.createFrom().item(0L);
        for (InputUsage usage : usages) {
            total = total.flatMap(sum -> usage.activeUsers(id).map(n -> sum + n));
        }
        return total;
    }
}
