package io.vodpack.delivery;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.ext.web.Router;

/** {@code /player/<id>} is the player page; the page reads the id from its own URL. */
@ApplicationScoped
public class PageRoutes {

    void install(@Observes Router router) {
        router.get("/player/:id").handler(ctx -> ctx.reroute("/player.html"));
    }
}
