package io.vodpack.packaging;

import java.util.List;
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

    /**
     * For each of {@code kids} that a DONE job has, its key: one KID is bound to one key (the first job's), so the
     * answer does not depend on which job is asked; jobs whose key disagrees with the binding are never answered.
     */
    Uni<List<Keys>> keysByKid(List<ContentKey> kids);
}
