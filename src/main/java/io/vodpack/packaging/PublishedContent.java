package io.vodpack.packaging;

import java.util.List;
import java.util.Optional;

import io.smallrye.mutiny.Uni;
import io.vodpack.core.error.ProblemException;

/**
 * What delivery may know about packaging: which jobs are published (DONE, output in place), where, and their keys.
 * Removals are announced with {@link ContentRemoved}.
 */
public interface PublishedContent {

    /**
     * The KIDs and keys of one published job: one pair, or one per DRM label of a ladder with separate keys (the
     * job's own pair first).
     */
    record Keys(long id, List<Pair> pairs) {

        /** One KID and its key. */
        public record Pair(ContentKey kid, ContentKey key) {

            /** Keys are secrets: never print them. */
            @Override
            public String toString() {
                return "Pair[redacted]";
            }
        }

        /** The key of {@code kid}, if it is one of this job's KIDs. */
        public Optional<ContentKey> keyOf(ContentKey kid) {
            return pairs.stream().filter(p -> p.kid().equals(kid)).map(Pair::key).findFirst();
        }

        /** The job's own KID (with separate keys: its SD KID). */
        public ContentKey kid() {
            return pairs.get(0).kid();
        }

        /** The job's own key (with separate keys: its SD key). */
        public ContentKey key() {
            return pairs.get(0).key();
        }

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

    /** The keys of a DONE content; fails with 404 when it is not (or no longer) published. */
    default Uni<Keys> publishedKeys(long id) {
        return keys(id).map(keys -> keys.orElseThrow(
                () -> ProblemException.notFound("Packaged content " + id + " is not published.")));
    }
}
