package io.vodpack.packaging;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.support.Api;
import io.vodpack.support.Db;
import io.vodpack.support.JobFolders;
import io.vodpack.support.TestMedia;

/** A hung engine is killed at the timeout, and a cancellation kills it at once, children included. */
@QuarkusTest
@TestProfile(HangingEngineProfile.class)
class EngineProcessControlTest {

    @Inject
    AgroalDataSource db;

    @Inject
    ContentStorage storage;

    @BeforeEach
    void clean() throws Exception {
        Files.deleteIfExists(HangingEngineProfile.DIR.resolve("engine.pid"));
        Files.deleteIfExists(HangingEngineProfile.DIR.resolve("child.pid"));
        Db.update(db, "update packaging_job set status = 'CANCELLED' where status in ('QUEUED', 'RUNNING')");
    }

    @Test
    void hungEngineIsKilledAtTheTimeoutAndTheJobFails() throws Exception {
        long job = Api.startPackaging(Api.upload(TestMedia.h264Aac()), null, null);
        long[] pids = awaitEnginePids();
        given().get("/packaged_content/" + job).then().statusCode(202).body("status", equalTo("RUNNING"));
        Api.awaitFinished(job, Duration.ofSeconds(30)).then().statusCode(409)
                .body("status", equalTo("FAILED")).body("detail", containsString("ran longer than PT6S"));
        Awaitility.await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> assertGone(pids));
        assertThat(JobFolders.allPublished(storage, job)).isEmpty();
    }

    @Test
    void cancellingARunningJobKillsItsEngineAtOnce() throws Exception {
        long job = Api.startPackaging(Api.upload(TestMedia.h264Aac()), null, null);
        long[] pids = awaitEnginePids();
        given().delete("/packaged_content/" + job).then().statusCode(202).body("status", equalTo("CANCELLED"));
        Awaitility.await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> assertGone(pids));
        given().get("/packaged_content/" + job).then().statusCode(409).body("status", equalTo("CANCELLED"));
        Awaitility.await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(JobFolders.staging(storage, job)).isEmpty());
        assertThat(JobFolders.allPublished(storage, job)).isEmpty();
    }

    private static long[] awaitEnginePids() {
        Path engine = HangingEngineProfile.DIR.resolve("engine.pid");
        Path child = HangingEngineProfile.DIR.resolve("child.pid");
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(engine) && Files.exists(child)
                && !Files.readString(child).isBlank());
        try {
            long[] pids = { Long.parseLong(Files.readString(engine).strip()), Long.parseLong(Files.readString(child).strip()) };
            for (long pid : pids) {
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("pid " + pid + " running").contains(true);
            }
            return pids;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertGone(long[] pids) {
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pid " + pid + " alive").isFalse();
        }
    }
}
