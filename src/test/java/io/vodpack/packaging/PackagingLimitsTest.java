package io.vodpack.packaging;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.Map;

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

/** Packaging within bounds: a bounded queue, and no job writes output that would not fit on the disk. */
@QuarkusTest
@TestProfile(QueueLimitProfile.class)
class PackagingLimitsTest {

    @Inject
    AgroalDataSource db;

    @Inject
    ContentStorage storage;

    long input;

    @BeforeEach
    void emptyQueue() throws Exception {
        input = Api.upload(TestMedia.h264Aac());
        Db.update(db, "update packaging_job set status = 'CANCELLED' where status in ('QUEUED', 'RUNNING')");
    }

    @Test
    void jobsBeyondTheQueueBoundAreRefusedWith429AndRetryAfter() {
        long[] jobs = new long[3];
        for (int i = 0; i < jobs.length; i++) {
            jobs[i] = Api.startPackaging(input, null, null);
        }
        given().contentType(ContentType.JSON).body(Map.of("input_content_id", input)).post("/packaged_content")
                .then().statusCode(429).contentType("application/problem+json").header("Retry-After", "2")
                .body("detail", containsString("max-queued-jobs"));
        assertThat(Db.count(db, "select count(*) from packaging_job where status = 'QUEUED'")).isEqualTo(3);
        given().delete("/packaged_content/" + jobs[0]).then().statusCode(202);
        Api.startPackaging(input, null, null);
    }

    @Test
    void aJobWhoseOutputWouldNotFitWaitsInTheQueueWithTheReasonAndWritesNothing() {
        long job = Api.startPackaging(input, null, null);
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> Db.string(db,
                "select error_detail from packaging_job where id = ?", job) != null);
        given().get("/packaged_content/" + job).then().statusCode(202).body("status", equalTo("QUEUED"))
                .body("error", containsString("waiting for free space")).body("attempts", equalTo(0));
        // Tried again after the backoff, still waiting, never counted as a failed attempt, nothing written.
        Awaitility.await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(20)).until(() ->
                Db.count(db, "select attempts from packaging_job where id = ?", job) == 0
                        && !"FAILED".equals(Db.string(db, "select status from packaging_job where id = ?", job)));
        assertThat(JobFolders.staging(storage, job)).isEmpty();
        assertThat(JobFolders.allPublished(storage, job)).isEmpty();
    }
}
