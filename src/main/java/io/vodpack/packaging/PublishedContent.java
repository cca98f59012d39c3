package io.vodpack.packaging;

import java.util.List;
import java.util.Optional;

import io.smallrye.mutiny.Uni;

/**
 * What delivery may know about packaging: which jobs are published (DONE, output in place) and their keys.
 * Removals are announced with {@link ContentRemoved}.
 */
public interface PublishedContent {

    /** The KID and key of one published job. */
    record Keys(long id, ContentKey kid, ContentKey key) {

        /** Keys are secrets: never print them. */
        @Override
        public String toString() {
            return "Keys[id=" + id + ", redacted]";
        }
    }

    /** Whether job {@code id} is DONE, so its output may be served. */
    Uni<Boolean> isPublished(long id);

    /** The keys of job {@code id} when it is DONE. */
    Uni<Optional<Keys>> keys(long id);

    /** For each KID that any DONE job has, the keys of the newest such job. */
    Uni<List<Keys>> newestKeysByKid(List<ContentKey> kids);
}
