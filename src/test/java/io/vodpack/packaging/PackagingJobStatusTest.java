package io.vodpack.packaging;

import static io.vodpack.packaging.PackagingJob.Status.CANCELLED;
import static io.vodpack.packaging.PackagingJob.Status.DONE;
import static io.vodpack.packaging.PackagingJob.Status.FAILED;
import static io.vodpack.packaging.PackagingJob.Status.QUEUED;
import static io.vodpack.packaging.PackagingJob.Status.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.vodpack.packaging.PackagingJob.Status;

/** The packaging job's transition table, the one the state machine's guards are built from. */
class PackagingJobStatusTest {

    @Test
    void transitionTableAllowsExactlyTheDocumentedMoves() {
        Map<Status, Set<Status>> allowed = Map.of(
                // QUEUED -> FAILED: a ladder's packaging job whose rendition failed for good
                QUEUED, EnumSet.of(RUNNING, CANCELLED, FAILED),
                RUNNING, EnumSet.of(QUEUED, DONE, FAILED, CANCELLED),
                DONE, EnumSet.noneOf(Status.class),
                FAILED, EnumSet.noneOf(Status.class),
                CANCELLED, EnumSet.noneOf(Status.class));
        for (Status from : Status.values()) {
            for (Status to : Status.values()) {
                assertThat(from.canMoveTo(to)).as(from + " -> " + to).isEqualTo(allowed.get(from).contains(to));
            }
            assertThat(from.finished()).as(from + " finished").isEqualTo(allowed.get(from).isEmpty());
        }
        assertThat(Status.into(CANCELLED)).containsExactly(QUEUED, RUNNING);
        assertThat(Status.into(DONE)).containsExactly(RUNNING);
        assertThat(Status.finishedOnes()).containsExactly(DONE, FAILED, CANCELLED);
    }
}
