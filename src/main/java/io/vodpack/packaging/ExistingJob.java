package io.vodpack.packaging;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.ws.rs.NameBinding;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.smallrye.mutiny.Uni;

/**
 * Marks an endpoint whose {@code {id}} must name one of the caller's jobs before it answers: an event stream commits
 * to 200 and its headers as soon as it starts, so its 404 has to come first, from this filter (which runs after the
 * security check, with the caller known).
 */
@NameBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.METHOD, ElementType.TYPE })
public @interface ExistingJob {

    /** The filter behind {@link ExistingJob}. */
    class Check {

        private final PackagingJobService packaging;

        public Check(PackagingJobService packaging) {
            this.packaging = packaging;
        }

        @ExistingJob
        @ServerRequestFilter
        public Uni<Void> jobExists(UriInfo uri) {
            long id;
            try {
                id = Long.parseLong(uri.getPathParameters().getFirst("id"));
            } catch (NumberFormatException e) {
                return Uni.createFrom().voidItem(); // the resource answers 404 for a path that names no job
            }
            return packaging.get(id).replaceWithVoid();
        }
    }
}
