package io.vodpack.packaging;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.hibernate.reactive.panache.PanacheRepository;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import io.vodpack.core.db.SqlNames;
import io.vodpack.upload.InputUsage;

/** Reads of {@link PackagingJob} rows for the API; every status change goes through {@code JobQueue}. */
@ApplicationScoped
public class PackagingJobRepository implements PanacheRepository<PackagingJob>, InputUsage {

    @ConfigProperty(name = "db.schema")
    String schema;

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
                        : find("parentId", Sort.ascending("id"), job.id).list().invoke(list -> job.renditions = list)
                                .chain(() -> labelledKeys(job.id)).invoke(keys -> job.labelledKeys = keys));
    }

    /** The separate keys of a ladder's job (AUDIO, SD, HD), empty when one key encrypts every track. */
    private Uni<List<PackagingJob.LabelledKey>> labelledKeys(long id) {
        return getSession().chain(session -> session.createNativeQuery("SELECT label, kid_text, key_text FROM "
                + SqlNames.table(schema, "packaging_job_key") + " WHERE packaging_job_id = :id ORDER BY label", Object[].class)
                .setParameter("id", id).getResultList())
                .map(rows -> rows.stream().map(r -> new PackagingJob.LabelledKey((String) r[0], (String) r[1], (String) r[2]))
                        .sorted(java.util.Comparator.comparingInt(k -> LABEL_ORDER.indexOf(k.label()))).toList());
    }

    private static final List<String> LABEL_ORDER = List.of("AUDIO", "SD", "HD");

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
