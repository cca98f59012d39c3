package io.vodpack.packaging;

import java.util.Optional;

import io.smallrye.mutiny.Uni;

/**
 * What delivery may know about packaging: which jobs are published (DONE, output in place), where, and their keys.
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

    /** When job {@code id} is DONE, the folder under {@code packaged/} that holds its live output. */
    Uni<Optional<String>> outputFolder(long id);

    /** The keys of job {@code id} when it is DONE. */
    Uni<Optional<Keys>> keys(long id);
}
