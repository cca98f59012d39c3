package io.vodpack.webhook;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The webhook tables, qualified with the service's schema (the reactive client's connections have no search path). */
@ApplicationScoped
public class WebhookTables {

    private final String webhook;
    private final String delivery;
    private final String attempt;

    public WebhookTables(@ConfigProperty(name = "db.schema") String schema) {
        String prefix = "\"" + schema.replace("\"", "\"\"") + "\".";
        this.webhook = prefix + "webhook";
        this.delivery = prefix + "webhook_delivery";
        this.attempt = prefix + "webhook_attempt";
    }

    // Methods, not fields: callers hold the CDI client proxy, whose own fields are never set.
    String webhook() {
        return webhook;
    }

    String delivery() {
        return delivery;
    }

    String attempt() {
        return attempt;
    }
}
