package io.vodpack.webhook;

import io.smallrye.mutiny.Uni;

/**
 * How a feature renders the {@code data} of its webhook events: the same body as a GET of the resource. Packaging and
 * uploads implement it, so that webhooks hold none of their classes.
 */
public interface WebhookEventData {

    /** The resource type the events are about: the part of the event type before the dot ({@code packaged_content}). */
    String resourceType();

    /** The resource as its GET shows it now, with URLs under {@code baseUrl}; null when it no longer exists. */
    Uni<Object> render(long id, String baseUrl);
}
