package io.vodpack.webhook;

import java.time.OffsetDateTime;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** What the webhook endpoints take and answer. */
public final class WebhookViews {

    private WebhookViews() {
    }

    /** Body of POST /webhooks. */
    @RegisterForReflection
    public record WebhookRequest(
            @Schema(example = "https://example.com/vodpack-events") String url,
            @Schema(example = "[\"packaged_content.done\", \"packaged_content.failed\"]") List<String> events) {
    }

    /** A webhook; {@code secret} only in the answer to its creation. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(name = "Webhook")
    public record WebhookView(long id, String url, List<String> events,
            @Schema(description = "Signing secret, shown once", example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") String secret,
            OffsetDateTime createdAt) {
    }

    /** One attempt at a delivery. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AttemptView(OffsetDateTime attemptedAt, Integer statusCode, String error, int durationMs) {
    }

    /** One message to a webhook, with every attempt at it. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(name = "WebhookDelivery")
    public record DeliveryView(long id, String messageId, String type, long resourceId, OffsetDateTime occurredAt,
            @Schema(enumeration = { "PENDING", "DELIVERED", "GAVE_UP" }) String status, int attempts,
            OffsetDateTime nextAttemptAt, OffsetDateTime finishedAt, List<AttemptView> attemptLog) {
    }
}
