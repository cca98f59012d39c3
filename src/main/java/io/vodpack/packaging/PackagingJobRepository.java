package io.vodpack.packaging;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepository;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import io.vodpack.upload.InputUsage;

/** Reads of {@link PackagingJob} rows for the API; every status change goes through {@code JobQueue}. */
@ApplicationScoped
public class PackagingJobRepository implements PanacheRepository<PackagingJob>, InputUsage {

    public Uni<PackagingJob> findByIdempotencyKey(String owner, String key) {
        return find("owner = ?1 and idempotencyKey = ?2", owner, key).firstResult();
    }

    /** The job with this id if {@code owner} (null: any owner) may see it, else null. */
    public Uni<PackagingJob> findOwned(long id, String owner) {
        return findById(id).map(job -> job == null || owner == null || owner.equals(job.owner) ? job : null);
    }

    /** A page of jobs, newest first, optionally of one status; {@code owner} null means every owner's. */
    public Uni<List<PackagingJob>> newestFirst(String owner, PackagingJob.Status status, int page, int size) {
        Sort sort = Sort.descending("id");
        var query = owner == null ? (status == null ? findAll(sort) : find("status", sort, status))
                : (status == null ? find("owner", sort, owner) : find("owner = ?1 and status = ?2", sort, owner, status));
        return query.page(Page.of(page, size)).list();
    }

    @Override
    public Uni<Long> activeUsers(long inputContentId) {
        return count("inputContentId = ?1 and status in ?2", inputContentId,
                List.of(PackagingJob.Status.QUEUED, PackagingJob.Status.RUNNING));
    }
}
