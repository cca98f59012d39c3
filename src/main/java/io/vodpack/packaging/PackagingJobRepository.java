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

    /**
     * The packaged content with this id if {@code owner} (null: any owner) may see it, else null; with a ladder, its
     * renditions are read too. A rendition's own job is not packaged content.
     */
    public Uni<PackagingJob> findOwned(long id, String owner) {
        return findById(id).map(job -> job == null || job.kind != PackagingJob.Kind.PACKAGE
                || (owner != null && !owner.equals(job.owner)) ? null : job)
                .call(job -> job == null || job.ladder == null ? Uni.createFrom().voidItem()
                        : find("parentId", Sort.ascending("id"), job.id).list().invoke(list -> job.renditions = list));
    }

    /** A page of jobs, newest first, optionally of one status; {@code owner} null means every owner's. */
    public Uni<List<PackagingJob>> newestFirst(String owner, PackagingJob.Status status, int page, int size) {
        Sort sort = Sort.descending("id");
        PackagingJob.Kind kind = PackagingJob.Kind.PACKAGE;
        var query = owner == null
                ? (status == null ? find("kind", sort, kind) : find("kind = ?1 and status = ?2", sort, kind, status))
                : (status == null ? find("kind = ?1 and owner = ?2", sort, kind, owner)
                        : find("kind = ?1 and owner = ?2 and status = ?3", sort, kind, owner, status));
        return query.page(Page.of(page, size)).list();
    }

    @Override
    public Uni<Long> activeUsers(long inputContentId) {
        return count("inputContentId = ?1 and status in ?2", inputContentId,
                List.of(PackagingJob.Status.QUEUED, PackagingJob.Status.RUNNING));
    }
}
