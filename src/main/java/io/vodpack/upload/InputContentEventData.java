package io.vodpack.upload;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vodpack.webhook.WebhookEventData;

/** The data of input_content webhook events: the body GET /input_content/{id} answers with. */
@ApplicationScoped
public class InputContentEventData implements WebhookEventData {

    private final InputContentRepository inputs;

    public InputContentEventData(InputContentRepository inputs) {
        this.inputs = inputs;
    }

    @Override
    public String resourceType() {
        return "input_content";
    }

    @Override
    public Uni<Object> render(long id, String baseUrl) {
        return Panache.withSession(() -> inputs.findById(id)).map(input -> input == null ? null : InputContentView.of(input));
    }
}
