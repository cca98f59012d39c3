package io.vodpack.delivery;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vodpack.packaging.PackagingJob;
import io.vodpack.packaging.PackagingJobRepository;

/** Finds the keys of finished content for the license server. */
@ApplicationScoped
public class LicenseService {

    private final PackagingJobRepository jobs;

    public LicenseService(PackagingJobRepository jobs) {
        this.jobs = jobs;
    }

    public Uni<PackagingJob> doneJob(long id) {
        return Panache.withSession(() -> jobs.findById(id))
                .map(job -> job != null && job.status == PackagingJob.Status.DONE ? job : null);
    }

    /** For each KID, the newest DONE job with it. */
    public Uni<List<PackagingJob>> newestDoneByKid(List<String> kidHex) {
        return Panache.withSession(() -> jobs.find("kidHex in ?1 and status = ?2 order by id desc", kidHex,
                PackagingJob.Status.DONE).list())
                .map(list -> {
                    List<PackagingJob> newest = new ArrayList<>();
                    for (PackagingJob job : list) {
                        if (newest.stream().noneMatch(j -> j.kidHex.equals(job.kidHex))) {
                            newest.add(job);
                        }
                    }
                    return newest;
                });
    }
}
