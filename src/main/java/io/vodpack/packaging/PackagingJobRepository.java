package io.vodpack.packaging;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepository;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import io.vodpack.upload.InputUsage;

/** Rows of {@link PackagingJob} for the API; the worker side uses {@link io.vodpack.packaging.queue.JobQueue}. */
@ApplicationScoped
public class PackagingJobRepository implements PanacheRepository<PackagingJob>, InputUsage {

    public Uni<PackagingJob> findByIdempotencyKey(String key) {
        return find("idempotencyKey", key).firstResult();
    }

    public Uni<List<PackagingJob>> newestFirst(PackagingJob.Status status, int page, int size) {
        Sort sort = Sort.descending("id");
        return (status == null ? findAll(sort) : find("status", sort, status)).page(Page.of(page, size)).list();
    }

    @Override
    public Uni<Long> activeUsers(long inputContentId) {
        return count("inputContentId = ?1 and status in ?2", inputContentId,
                List.of(PackagingJob.Status.QUEUED, PackagingJob.Status.RUNNING));
    }
}
