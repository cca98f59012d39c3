package io.vodpack.packaging.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vodpack.core.storage.SyncAhead;

/** Work that overlaps with the engine (writing its output back) runs while it runs, and never outlives it. */
class EngineProcessTest {

    @TempDir
    Path dir;

    @Test
    void whileRunningIsCalledDuringTheRunAndTheExitIsSeen() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        EngineProcess.Outcome outcome = EngineProcess.run(List.of("/bin/sh", "-c", "sleep 0.5; echo finished"),
                dir.resolve("work"), Duration.ofSeconds(20), process -> { }, calls::incrementAndGet, List.of());
        assertThat(outcome.succeeded()).isTrue();
        assertThat(outcome.tail()).isEqualTo("finished");
        assertThat(calls.get()).as("calls every %s during 0.5 s", EngineProcess.TICK).isGreaterThanOrEqualTo(2);
    }

    @Test
    void anEngineStillRunningAtItsDeadlineIsStoppedAsBefore() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        long started = System.nanoTime();
        EngineProcess.Outcome outcome = EngineProcess.run(List.of("/bin/sh", "-c", "sleep 30"), dir.resolve("work"),
                Duration.ofMillis(300), process -> { }, calls::incrementAndGet, List.of());
        assertThat(outcome.timedOut()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
    }

    @Test
    void syncAheadLeavesTheFilesAsTheyAreAndToleratesAMissingFolder() throws Exception {
        Path out = dir.resolve("out");
        new SyncAhead(out).syncGrown(); // not created yet: nothing to do
        Files.createDirectories(out.resolve("video"));
        Files.write(out.resolve("video/seg_1.m4s"), new byte[] { 1, 2, 3 });
        SyncAhead ahead = new SyncAhead(out);
        ahead.syncGrown();
        Files.write(out.resolve("video/seg_1.m4s"), new byte[] { 1, 2, 3, 4 });
        ahead.syncGrown();
        assertThat(Files.readAllBytes(out.resolve("video/seg_1.m4s"))).containsExactly(1, 2, 3, 4);
    }
}
