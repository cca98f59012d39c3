package io.vodpack.upload.ingest;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vodpack.core.error.ProblemException;

/** Upload metrics: bytes written to disk, and uploads by outcome (accepted, rejected, aborted, failed) and reason. */
@ApplicationScoped
public class UploadMetrics {

    private final MeterRegistry registry;
    private final Counter bytesReceived;

    public UploadMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.bytesReceived = Counter.builder("vodpack.upload.bytes").description("Bytes of upload bodies written to disk")
                .baseUnit("bytes").register(registry);
    }

    void bytesWritten(long bytes) {
        bytesReceived.increment(bytes);
    }

    void accepted() {
        count("accepted", "none");
    }

    /** A refusal the client can fix or retry, counted under {@code reason}. */
    public void rejected(String reason) {
        count("rejected", reason);
    }

    void databaseFailed() {
        count("failed", "database");
    }

    /** An upload that ended with {@code failure}: aborted by the client, rejected (4xx) or failed (5xx, other). */
    public void ended(Throwable failure) {
        if (failure instanceof UploadAbortedException) {
            count("aborted", "client-aborted");
        } else if (failure instanceof ProblemException p) {
            count(p.status() < 500 ? "rejected" : "failed", p.slug());
        } else {
            count("failed", "internal-error");
        }
    }

    private void count(String outcome, String reason) {
        registry.counter("vodpack.uploads", "outcome", outcome, "reason", reason).increment();
    }
}
