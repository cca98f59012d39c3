package io.vodpack.upload;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.support.Api;
import io.vodpack.support.Db;
import io.vodpack.support.TestMedia;

/** What a crash mid-upload leaves behind is removed by the sweeper; live uploads and stored inputs are not. */
@QuarkusTest
class UploadSweeperTest {

    @Inject
    ContentStorage storage;

    @Inject
    AgroalDataSource db;

    @Test
    void staleLeftoversAreRemovedAndEverythingElseIsKept() throws Exception {
        long input = Api.upload(TestMedia.h264Aac());
        Path stored = storage.inputFile(Db.string(db, "select storage_name from input_content where id = ?", input));
        FileTime anHourAgo = FileTime.from(Instant.now().minus(Duration.ofHours(1)));
        Files.setLastModifiedTime(stored, anHourAgo);

        Path abandoned = Files.writeString(storage.incomingDir().resolve("crashed-upload.part"), "partial");
        Files.setLastModifiedTime(abandoned, anHourAgo);
        Path orphan = Files.writeString(storage.inputsDir().resolve("no-row.mp4"), "moved but never recorded");
        Files.setLastModifiedTime(orphan, anHourAgo);
        Path live = Files.writeString(storage.incomingDir().resolve("live-upload.part"), "still arriving");

        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(abandoned).doesNotExist();
            assertThat(orphan).doesNotExist();
        });
        assertThat(live).exists();
        assertThat(stored).exists();
        Files.delete(live);
    }

    @Test
    void seventyThousandExpiredResumableUploadsAreRemovedInBatchesAndTheOtherSweepsStillRun() throws Exception {
        // More than the 65 535 parameters one statement can carry.
        Db.update(db, "insert into resumable_upload (id, status, upload_length, upload_offset, expires_at, created_at, owner)"
                + " select 'expired-' || g, 'UPLOADING', 1000, 0, now() - interval '1 minute', now() - interval '1 day', 'admin'"
                + " from generate_series(1, 70000) g");
        FileTime anHourAgo = FileTime.from(Instant.now().minus(Duration.ofHours(1)));
        Path orphan = Files.writeString(storage.inputsDir().resolve("no-row-either.mp4"), "moved but never recorded");
        Files.setLastModifiedTime(orphan, anHourAgo);
        Path published = Files.createDirectories(storage.publishedFolder("987654000-1-0a1b2c3d").resolve("video"));
        Files.writeString(published.resolve("seg_1.m4s"), "of a job whose row is gone");
        Files.setLastModifiedTime(published.getParent(), anHourAgo);

        long started = System.nanoTime();
        Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(Db.count(db, "select count(*) from resumable_upload where id like 'expired-%'")).isZero();
            assertThat(orphan).doesNotExist();
            assertThat(published.getParent()).doesNotExist();
        });
        System.out.printf("70 000 expired resumable uploads swept in %.1f s%n", (System.nanoTime() - started) / 1e9);
    }
}
