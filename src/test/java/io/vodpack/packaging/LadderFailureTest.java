package io.vodpack.packaging;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.support.Api;
import io.vodpack.support.Db;
import io.vodpack.support.JobFolders;
import io.vodpack.support.TestMedia;

/** A ladder whose ffmpeg fails, or is cancelled while it runs. */
@QuarkusTest
@TestProfile(FakeFfmpegProfile.class)
class LadderFailureTest {

    @Inject
    AgroalDataSource db;

    @Inject
    ContentStorage storage;

    @BeforeEach
    void clean() throws Exception {
        Files.deleteIfExists(FakeFfmpegProfile.DIR.resolve("ffmpeg.pids"));
        Db.update(db, "update packaging_job set status = 'CANCELLED' where status in ('QUEUED', 'RUNNING')");
    }

    @Test
    void renditionWhoseFfmpegFailsFailsTheJobWithTheRenditionAndFfmpegsLastLine() throws Exception {
        Files.writeString(FakeFfmpegProfile.MODE, "fail");
        long job = startLadder(Api.upload(TestMedia.h264Aac()));
        Api.awaitFinished(job, Duration.ofSeconds(30)).then().statusCode(409).body("status", equalTo("FAILED"))
                .body("detail", matchesPattern("Job [0-9]+ is FAILED: rendition (240p|120p|audio) failed after 1 attempt\\(s\\): ffmpeg exited"
                        + " with code 1: " + java.util.regex.Pattern.quote(FakeFfmpegProfile.LAST_LINE)));
        // The other renditions are not made for nothing: failed or cancelled, none left waiting.
        assertThat(Db.count(db, "select count(*) from packaging_job where parent_id = ? and status in ('QUEUED', 'RUNNING')",
                job)).isZero();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(storage.renditionsFolder(job)));
        assertThat(JobFolders.allPublished(storage, job)).isEmpty();
    }

    @Test
    void plainPackagingDoesNotNeedFfmpeg() throws Exception {
        Files.writeString(FakeFfmpegProfile.MODE, "fail");
        long job = Api.startPackaging(Api.upload(TestMedia.h264Aac()), null, null);
        Api.awaitFinished(job, Duration.ofSeconds(60)).then().statusCode(200).body("status", equalTo("DONE"));
    }

    @Test
    void cancellingDuringTranscodingKillsFfmpegAndItsChildren() throws Exception {
        Files.writeString(FakeFfmpegProfile.MODE, "hang");
        long job = startLadder(Api.upload(TestMedia.h264Aac()));
        Path pids = FakeFfmpegProfile.DIR.resolve("ffmpeg.pids");
        // Two workers: two renditions transcode at once, each an ffmpeg with a child.
        Awaitility.await().atMost(Duration.ofSeconds(15))
                .until(() -> Files.exists(pids) && Files.readAllLines(pids).size() >= 4);
        List<Long> running = Files.readAllLines(pids).stream().map(String::strip).map(Long::valueOf).toList();
        for (long pid : running) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("pid " + pid + " running").contains(true);
        }
        given().get("/packaged_content/" + job).then().statusCode(202).body("stage", equalTo("TRANSCODING"));

        given().delete("/packaged_content/" + job).then().statusCode(202).body("status", equalTo("CANCELLED"));
        Awaitility.await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
            for (long pid : running) {
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pid " + pid + " alive").isFalse();
            }
        });
        assertThat(Db.count(db, "select count(*) from packaging_job where parent_id = ? and status <> 'CANCELLED'", job))
                .isZero();
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(JobFolders.staging(storage, job))
                .isEmpty());
        // No rendition is started after the cancel.
        Thread.sleep(1500);
        assertThat(Files.readAllLines(pids)).hasSize(running.size());
    }

    private static long startLadder(long input) {
        return given().contentType(ContentType.JSON).body("{\"input_content_id\": " + input
                + ", \"ladder\": [{\"height\": 240, \"video_bitrate\": 500}, {\"height\": 120, \"video_bitrate\": 200}]}")
                .post("/packaged_content").then().statusCode(202).extract().jsonPath().getLong("packaged_content_id");
    }
}
