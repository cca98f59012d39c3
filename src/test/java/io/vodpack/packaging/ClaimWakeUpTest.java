package io.vodpack.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vodpack.support.Db;

/**
 * A job queued by another replica (here: a plain SQL insert, as its commit would be) is claimed by this instance's
 * workers at once, woken by the job notification, not by their poll (once an hour in this profile).
 */
@QuarkusTest
@TestProfile(ClaimWakeUpProfile.class)
class ClaimWakeUpTest {

    @Inject
    AgroalDataSource db;

    @Test
    void aJobQueuedElsewhereIsClaimedWithoutWaitingForThePoll() throws InterruptedException {
        // The workers' one poll at start-up is behind us: from now on only a notification can wake them.
        Thread.sleep(500);
        long input = Db.count(db, "INSERT INTO input_content (status, storage_name, size_bytes, sha256, video_codec,"
                + " audio_codec, width, height, duration_ms, created_at, owner) VALUES ('READY', ?, 1000, repeat('0', 64),"
                + " 'avc1.64001f', 'mp4a.40.2', 1280, 720, 1000, now(), 'admin') RETURNING id", UUID.randomUUID() + ".mp4");
        ContentKey key = ContentKey.random();
        ContentKey kid = ContentKey.random();
        Db.update(db, "INSERT INTO content_key (kid_hex, key_hex) VALUES (?, ?)", kid.hex(), key.hex());
        long job = Db.count(db, "INSERT INTO packaging_job (input_content_id, status, engine, key_hex, kid_hex, key_text,"
                + " kid_text, progress, attempts, created_at, owner) VALUES (?, 'QUEUED', 'shaka', ?, ?, ?, ?, 0, 0, now(),"
                + " 'admin') RETURNING id", input, key.hex(), kid.hex(), key.base64url(), kid.base64url());

        // Generous bound for a shared machine; without the notification the next poll would come an hour later.
        Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50)).until(() ->
                !"QUEUED".equals(Db.string(db, "SELECT status FROM packaging_job WHERE id = ?", job)));
        // The attempt ran here: it found no file behind the row (none was uploaded) and says so.
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() ->
                "FAILED".equals(Db.string(db, "SELECT status FROM packaging_job WHERE id = ?", job)));
        assertThat(Db.string(db, "SELECT error_detail FROM packaging_job WHERE id = ?", job)).contains("missing");
        Db.update(db, "DELETE FROM packaging_job WHERE id = ?", job);
        Db.update(db, "DELETE FROM input_content WHERE id = ?", input);
    }
}
