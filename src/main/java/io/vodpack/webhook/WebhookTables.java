package io.vodpack.webhook;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.vodpack.core.db.SqlNames;

/** The webhook tables, qualified with the service's schema (the reactive client's connections have no search path). */
@ApplicationScoped
public class WebhookTables {

    private final String webhook;
    private final String delivery;
    private final String attempt;

    public WebhookTables(@ConfigProperty(name = "db.schema") String schema) {
        this.webhook = SqlNames.table(schema, "webhook");
        this.delivery = SqlNames.table(schema, "webhook_delivery");
        this.attempt = SqlNames.table(schema, "webhook_attempt");
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
