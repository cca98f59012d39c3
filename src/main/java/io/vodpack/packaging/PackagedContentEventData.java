package io.vodpack.packaging;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vodpack.access.playback.PlaybackTokens;
import io.vodpack.core.error.ProblemMapper;
import io.vodpack.webhook.WebhookEventData;

/** The data of packaged_content webhook events: the body GET /packaged_content/{id} answers with (the problem once FAILED or CANCELLED). */
@ApplicationScoped
public class PackagedContentEventData implements WebhookEventData {

    private final PackagingJobRepository jobs;
    private final PlaybackTokens tokens;

    public PackagedContentEventData(PackagingJobRepository jobs, PlaybackTokens tokens) {
        this.jobs = jobs;
        this.tokens = tokens;
    }

    @Override
    public String resourceType() {
        return "packaged_content";
    }

    @Override
    public Uni<Object> render(long id, String baseUrl) {
        return Panache.withSession(() -> jobs.findById(id)).map(job -> job == null ? null : switch (job.status) {
            case DONE -> PackagingJobView.of(job, baseUrl, true, tokens.mint(job.id, null));
            case FAILED, CANCELLED -> ProblemMapper.toProblem(PackagingJobResource.finishedProblem(job),
                    "/packaged_content/" + job.id);
            case QUEUED, RUNNING -> PackagingJobView.of(job, baseUrl, false, null);
        });
    }
}
