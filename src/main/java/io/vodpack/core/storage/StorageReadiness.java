package io.vodpack.core.storage;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vodpack.core.config.VodpackConfig;

/** Readiness is DOWN, with the reason, while the content store cannot be reached or written (s3: a probe object). */
@Readiness
@ApplicationScoped
public class StorageReadiness implements AsyncHealthCheck {

    private final ContentStore store;
    private final String kind;

    public StorageReadiness(ContentStore store, VodpackConfig config) {
        this.store = store;
        this.kind = config.storage().kind().name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return store.probe()
                .ifNoItem().after(Duration.ofSeconds(5)).failWith(() -> new java.util.concurrent.TimeoutException("no answer within 5 s"))
                .map(v -> HealthCheckResponse.named("storage").withData("kind", kind).up().build())
                .onFailure().recoverWithItem(failure -> HealthCheckResponse.named("storage").withData("kind", kind).down()
                        .withData("reason", String.valueOf(failure.getMessage())).build());
    }
}
