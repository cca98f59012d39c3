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
