package io.vodpack.delivery;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.ext.web.Router;
import io.vodpack.access.playback.PlaybackTokens;
import io.vodpack.core.error.ProblemException;
import io.vodpack.core.error.ProblemMapper;

/**
 * {@code /player/<id>?token=…} is the player page for one packaged content; the page reads the id and the
 * playback token from its own URL. Without a valid token for that content the page is refused (401/403).
 */
@ApplicationScoped
public class PageRoutes {

    private final PlaybackTokens tokens;

    public PageRoutes(PlaybackTokens tokens) {
        this.tokens = tokens;
    }

    void install(@Observes Router router) {
        router.get("/player/:id").handler(ctx -> {
            long id;
            try {
                id = Long.parseLong(ctx.pathParam("id"));
                tokens.verify(ctx.request().getParam("token"), id);
            } catch (NumberFormatException e) {
                ProblemMapper.respond(ctx, ProblemException.notFound("No packaged content '" + ctx.pathParam("id") + "'."));
                return;
            } catch (ProblemException refused) {
                ProblemMapper.respond(ctx, refused);
                return;
            }
            ctx.reroute("/player.html");
        });
    }
}
