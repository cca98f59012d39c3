package io.vodpack.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Files;
import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.support.Api;
import io.vodpack.support.Db;
import io.vodpack.support.JobFolders;
import io.vodpack.support.TestMedia;

/** What a restart after a crash finds: a RUNNING job owned by a dead worker, and its half-written staging folder. */
@QuarkusTest
class RecoveryTest {

    @Inject
    AgroalDataSource db;

    @Inject
    ContentStorage storage;

    @Test
    void runningJobOfACrashedWorkerIsPickedUpAgainAndFinishes() throws Exception {
        long input = Api.upload(TestMedia.h264Aac());
        Db.update(db, "insert into content_key (kid_hex, key_hex) values ('a16e402b9056e371f36d348aa62bb749',"
                + " '87237d20a19f58a740c05684e699b4aa') on conflict do nothing");
        Db.update(db, "insert into packaging_job (input_content_id, status, engine, key_hex, kid_hex, key_text, kid_text,"
                + " attempts, lease_owner, lease_expires_at, created_at, started_at, owner) values (?, 'RUNNING', 'shaka',"
                + " '87237d20a19f58a740c05684e699b4aa', 'a16e402b9056e371f36d348aa62bb749', 'hyN9IKGfWKdAwFaE5pm0qg',"
                + " 'oW5AK5BW43HzbTSKpiu3SQ', 1, 'worker-killed-with-sigkill',"
                + " now() - interval '1 second', now(), now(), 'admin')", input);
        long job = Db.count(db, "select max(id) from packaging_job");
        // The dead worker's half-written output, in its attempt's own folder.
        java.nio.file.Path crashed = storage.stagingFolder(job + "-1-0123456789ab");
        Files.createDirectories(crashed.resolve("out/video"));
        Files.writeString(crashed.resolve("out/video/seg_1.m4s"), "half written");
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(3600));
        Files.setLastModifiedTime(crashed, old);

        Api.awaitFinished(job, Duration.ofSeconds(60)).then().statusCode(200).body("status", equalTo("DONE"));
        assertThat(Db.count(db, "select attempts from packaging_job where id = ?", job)).isEqualTo(2);
        assertThat(Files.readAllBytes(JobFolders.published(db, storage, job).resolve("video/seg_1.m4s")))
                .isNotEqualTo("half written".getBytes());
        // The crashed attempt's folder is not the new attempt's to remove: the sweeper removes it once the job ended.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(JobFolders.staging(storage, job)).isEmpty());
    }

    @Test
    void stagingFoldersOfNoRunningJobAreSweptOnceOlderThanALease() throws Exception {
        java.nio.file.Path orphan = storage.stagingFolder("987654321-1-0123456789ab");
        java.nio.file.Path fresh = storage.stagingFolder("987654322-1-0123456789ab");
        Files.createDirectories(orphan.resolve("out"));
        Files.createDirectories(fresh.resolve("out"));
        Files.setLastModifiedTime(orphan, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(3600)));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(orphan));
        // Younger than a lease: it may belong to a job claimed a moment ago, so it stays.
        assertThat(fresh).exists();
        io.vodpack.core.storage.ContentStorage.deleteRecursively(fresh);
    }

    @Test
    void manyJobsAllRunExactlyOnce() throws Exception {
        long input = Api.upload(TestMedia.h264Aac());
        long[] jobs = new long[6];
        for (int i = 0; i < jobs.length; i++) {
            jobs[i] = Api.startPackaging(input, null, null);
        }
        for (long job : jobs) {
            Api.awaitFinished(job, Duration.ofSeconds(90)).then().statusCode(200);
            assertThat(Db.count(db, "select attempts from packaging_job where id = ?", job)).isEqualTo(1);
        }
    }
}
