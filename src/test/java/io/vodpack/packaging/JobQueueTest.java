package io.vodpack.packaging;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Uni;
import io.vodpack.packaging.queue.ClaimedJob;
import io.vodpack.packaging.queue.JobQueue;
import io.vodpack.support.Api;
import io.vodpack.support.Db;
import io.vodpack.support.TestMedia;

/**
 * The job table as a queue shared by replicas, and every status change of its state machine (the allowed ones and
 * the refused ones) against the real database, on an instance whose own workers are off.
 */
@QuarkusTest
@TestProfile(NoWorkersProfile.class)
class JobQueueTest {

    static final String KEY_HEX = "87237d20a19f58a740c05684e699b4aa";
    static final String KID_HEX = "a16e402b9056e371f36d348aa62bb749";
    static final Duration LEASE = Duration.ofMinutes(1);

    @Inject
    AgroalDataSource db;

    @Inject
    JobQueue queue;

    long input;

    @BeforeEach
    void upload() throws Exception {
        input = Api.upload(TestMedia.h264Aac());
        // Leave no claimable job behind from another test.
        Db.update(db, "update packaging_job set status = 'CANCELLED' where status in ('QUEUED', 'RUNNING')");
    }

    @Test
    void concurrentClaimersTakeEveryJobExactlyOnce() throws Exception {
        List<Long> created = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            created.add(Api.startPackaging(input, null, null));
        }
        List<Long> claimed = Collections.synchronizedList(new ArrayList<>());
        ExecutorService claimers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                String owner = "test-claimer-" + c;
                Callable<Void> loop = () -> {
                    while (true) {
                        Optional<ClaimedJob> job = queue.claim(owner, Duration.ofMinutes(5)).await().atMost(Duration.ofSeconds(10));
                        if (job.isEmpty()) {
                            return null;
                        }
                        claimed.add(job.get().id());
                    }
                };
                results.add(claimers.submit(loop));
            }
            for (Future<?> result : results) {
                result.get();
            }
        } finally {
            claimers.shutdownNow();
        }
        assertThat(claimed).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(created);
        for (long id : created) {
            assertThat(Db.count(db, "select attempts from packaging_job where id = ?", id)).isEqualTo(1);
            assertThat(Db.string(db, "select status from packaging_job where id = ?", id)).isEqualTo("RUNNING");
        }
        Db.update(db, "update packaging_job set status = 'CANCELLED' where lease_owner like 'test-claimer-%'");
    }

    @Test
    void expiredLeaseGoesBackToTheQueueThenFailsWhenAttemptsRunOut() throws Exception {
        long retry = Api.startPackaging(input, null, null);
        long exhausted = Api.startPackaging(input, null, null);
        Db.update(db, "update packaging_job set status = 'RUNNING', lease_owner = 'crashed-worker', attempts = 1,"
                + " lease_expires_at = now() - interval '1 minute' where id = ?", retry);
        Db.update(db, "update packaging_job set status = 'RUNNING', lease_owner = 'crashed-worker', attempts = 3,"
                + " lease_expires_at = now() - interval '1 minute' where id = ?", exhausted);
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(Db.string(db, "select status from packaging_job where id = ?", retry)).isEqualTo("QUEUED");
            assertThat(Db.string(db, "select status from packaging_job where id = ?", exhausted)).isEqualTo("FAILED");
        });
        given().get("/packaged_content/" + retry).then().statusCode(202).header("Retry-After", "1")
                .body("status", equalTo("QUEUED")).body("attempts", equalTo(1));
        given().get("/packaged_content/" + exhausted).then().statusCode(409).contentType("application/problem+json")
                .body("status", equalTo("FAILED")).body("detail", containsString("giving up after 3 attempts"));
        Db.update(db, "update packaging_job set status = 'CANCELLED' where id = ?", retry);
    }

    @Test
    void aLeaseHeldByAnotherWorkerIsNotRenewedOrCompletedByUs() throws Exception {
        long job = Api.startPackaging(input, null, null);
        assertThat(claim("owner-a")).isEqualTo(job);
        assertThat(queue.renew(job, lease("owner-b"), Duration.ofMinutes(1), 50).await().indefinitely()).isFalse();
        assertThat(queue.complete(job, lease("owner-b"), "job-out", false).await().indefinitely()).isFalse();
        assertThat(queue.renew(job, lease("owner-a"), Duration.ofMinutes(1), 50).await().indefinitely()).isTrue();
        given().get("/packaged_content/" + job).then().statusCode(202).body("status", equalTo("RUNNING"))
                .body("progress", equalTo(50));
        Db.update(db, "update packaging_job set status = 'CANCELLED' where id = ?", job);
    }

    @Test
    void queuedJobCanBeCancelledAndThenReportsCancelled() throws Exception {
        long job = Api.startPackaging(input, null, null);
        given().delete("/packaged_content/" + job).then().statusCode(202).body("status", equalTo("CANCELLED"));
        given().get("/packaged_content/" + job).then().statusCode(409).contentType("application/problem+json")
                .body("status", equalTo("CANCELLED"));
        assertThat(queue.claim("anyone", Duration.ofMinutes(1)).await().indefinitely()).isEmpty();
    }

    @Test
    void inputWithAnUnfinishedJobCannotBeDeleted() throws Exception {
        long job = Api.startPackaging(input, null, null);
        given().delete("/input_content/" + input).then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("packaging job"));
        assertThat(Db.count(db, "select count(*) from input_content where id = ?", input)).isEqualTo(1);
        given().delete("/packaged_content/" + job).then().statusCode(202);
        given().delete("/input_content/" + input).then().statusCode(204);
        given().contentType("application/json").body("{\"input_content_id\": " + input + "}").post("/packaged_content")
                .then().statusCode(404);
    }

    @Test
    void aNewJobIsQueuedWithNoAttempt() {
        long job = Api.startPackaging(input, null, null);
        assertThat(status(job)).isEqualTo("QUEUED");
        assertThat(Db.count(db, "select attempts from packaging_job where id = ?", job)).isZero();
    }

    @Test
    void claimMovesTheOldestQueuedJobToRunningUnderTheClaimersLease() {
        long first = Api.startPackaging(input, null, null);
        long second = Api.startPackaging(input, null, null);
        assertThat(claim("owner-a")).isEqualTo(first);
        assertThat(status(first)).isEqualTo("RUNNING");
        assertThat(owner(first)).as("a lease owner unique to this attempt").isEqualTo(lease("owner-a")).startsWith("owner-a#");
        assertThat(Db.count(db, "select attempts from packaging_job where id = ?", first)).isEqualTo(1);
        assertThat(status(second)).isEqualTo("QUEUED");
    }

    @Test
    void renewByTheOwnerExtendsTheLeaseAndKeepsTheHighestProgress() {
        long job = Api.startPackaging(input, null, null);
        claim("owner-a");
        assertThat(await(queue.renew(job, lease("owner-a"), Duration.ofHours(1), 40))).isTrue();
        assertThat(await(queue.renew(job, lease("owner-a"), Duration.ofHours(1), 10))).isTrue();
        assertThat(Db.count(db, "select progress from packaging_job where id = ?", job)).isEqualTo(40);
        assertThat(Db.count(db, "select count(*) from packaging_job where id = ?"
                + " and lease_expires_at > now() + interval '50 minutes'", job)).isEqualTo(1);
        assertThat(status(job)).isEqualTo("RUNNING");
    }

    @Test
    void completeByTheOwnerMarksTheJobDoneAndDropsTheLease() {
        long job = Api.startPackaging(input, null, null);
        claim("owner-a");
        assertThat(await(queue.complete(job, lease("owner-a"), "job-out", false))).isTrue();
        assertThat(status(job)).isEqualTo("DONE");
        assertThat(owner(job)).isNull();
        assertThat(Db.count(db, "select progress from packaging_job where id = ?", job)).isEqualTo(100);
    }

    @Test
    void failByTheOwnerMarksTheJobFailedWithItsReason() {
        long job = Api.startPackaging(input, null, null);
        claim("owner-a");
        assertThat(await(queue.fail(job, lease("owner-a"), "the engine exited with code 1"))).isTrue();
        assertThat(status(job)).isEqualTo("FAILED");
        assertThat(Db.string(db, "select error_detail from packaging_job where id = ?", job))
                .isEqualTo("the engine exited with code 1");
    }

    @Test
    void releaseHandsARunningJobBackToTheQueueWithoutCountingTheAttempt() {
        long job = Api.startPackaging(input, null, null);
        claim("owner-a");
        assertThat(await(queue.release(job, lease("owner-a")))).isTrue();
        assertThat(status(job)).isEqualTo("QUEUED");
        assertThat(owner(job)).isNull();
        assertThat(Db.count(db, "select attempts from packaging_job where id = ?", job)).isZero();
    }

    @Test
    void anExpiredLeaseRequeuesTheJobWhileAttemptsRemainAndFailsItAfter() {
        long retry = Api.startPackaging(input, null, null);
        long exhausted = Api.startPackaging(input, null, null);
        claim("crashed-worker");
        claim("crashed-worker");
        Db.update(db, "update packaging_job set attempts = 3 where id = ?", exhausted);
        expireLease(retry);
        expireLease(exhausted);
        await(queue.reclaimExpired(3));
        assertThat(status(retry)).isEqualTo("QUEUED");
        assertThat(status(exhausted)).isEqualTo("FAILED");
        assertThat(Db.string(db, "select error_detail from packaging_job where id = ?", exhausted))
                .contains("giving up after 3 attempts");
    }

    @Test
    void cancelStopsAQueuedOrARunningJob() {
        long running = Api.startPackaging(input, null, null);
        long queued = Api.startPackaging(input, null, null);
        assertThat(claim("owner-a")).isEqualTo(running);
        assertThat(await(queue.cancel(queued, "cancelled by a test"))).as("queued").isTrue();
        assertThat(await(queue.cancel(running, "cancelled by a test"))).as("running").isTrue();
        assertThat(status(queued)).isEqualTo("CANCELLED");
        assertThat(status(running)).isEqualTo("CANCELLED");
        assertThat(owner(running)).isNull();
        assertThat(await(queue.claim("owner-b", LEASE))).isEmpty();
    }

    @Test
    void onlyFinishedJobsCanBeDeleted() {
        long queued = Api.startPackaging(input, null, null);
        assertThat(await(queue.delete(queued)).deleted()).isFalse();
        claim("owner-a");
        assertThat(await(queue.delete(queued)).deleted()).as("running").isFalse();
        assertThat(await(queue.complete(queued, lease("owner-a"), "queued-out", false))).isTrue();
        assertThat(await(queue.delete(queued)).deleted()).as("done").isTrue();
        assertThat(Db.count(db, "select count(*) from packaging_job where id = ?", queued)).isZero();
        assertThat(await(queue.delete(queued)).deleted()).as("already gone").isFalse();
    }

    @Test
    void publishingIsRefusedAfterACancelAndTheJobStaysCancelled() {
        long job = Api.startPackaging(input, null, null);
        claim("owner-a");
        assertThat(await(queue.cancel(job, "cancelled by a test"))).isTrue();
        assertThat(await(queue.complete(job, lease("owner-a"), "job-out", false))).as("complete").isFalse();
        assertThat(await(queue.fail(job, lease("owner-a"), "late"))).as("fail").isFalse();
        assertThat(await(queue.renew(job, lease("owner-a"), LEASE, 50))).as("renew").isFalse();
        assertThat(await(queue.release(job, lease("owner-a")))).as("release").isFalse();
        assertThat(status(job)).isEqualTo("CANCELLED");
        assertThat(Db.string(db, "select error_detail from packaging_job where id = ?", job)).isEqualTo("cancelled by a test");
    }

    @Test
    void cancelIsRefusedAfterTheJobWasPublished() {
        long job = Api.startPackaging(input, null, null);
        claim("owner-a");
        assertThat(await(queue.complete(job, lease("owner-a"), "job-out", false))).isTrue();
        assertThat(await(queue.cancel(job, "too late"))).isFalse();
        assertThat(status(job)).isEqualTo("DONE");
        assertThat(Db.string(db, "select error_detail from packaging_job where id = ?", job)).isNull();
    }

    @Test
    void aWorkerWhoseLeaseExpiredCannotTouchTheJobAnotherWorkerTookOver() {
        long job = Api.startPackaging(input, null, null);
        claim("owner-a");
        expireLease(job);
        await(queue.reclaimExpired(3));
        assertThat(claim("owner-b")).isEqualTo(job);
        assertThat(await(queue.renew(job, lease("owner-a"), LEASE, 90))).as("late renew").isFalse();
        assertThat(await(queue.complete(job, lease("owner-a"), "job-out", false))).as("late complete").isFalse();
        assertThat(await(queue.fail(job, lease("owner-a"), "late failure"))).as("late fail").isFalse();
        assertThat(await(queue.release(job, lease("owner-a")))).as("late release").isFalse();
        assertThat(status(job)).isEqualTo("RUNNING");
        assertThat(owner(job)).isEqualTo(lease("owner-b")).startsWith("owner-b#");
        assertThat(Db.count(db, "select attempts from packaging_job where id = ?", job)).isEqualTo(2);
        assertThat(await(queue.complete(job, lease("owner-b"), "job-out", false))).isTrue();
        assertThat(status(job)).isEqualTo("DONE");
    }

    @Test
    void finishedJobsAreNeverClaimedAgain() {
        long job = Api.startPackaging(input, null, null);
        claim("owner-a");
        assertThat(await(queue.fail(job, lease("owner-a"), "broken"))).isTrue();
        assertThat(await(queue.claim("owner-b", LEASE))).isEmpty();
        assertThat(await(queue.complete(job, lease("owner-a"), "job-out", false))).as("done after failed").isFalse();
        assertThat(status(job)).isEqualTo("FAILED");
    }

    /** The lease owner of each worker's last claim: unique per attempt, "<worker>#<token>". */
    private final Map<String, String> leases = new HashMap<>();

    private long claim(String worker) {
        ClaimedJob claimed = await(queue.claim(worker, LEASE)).orElseThrow();
        leases.put(worker, claimed.leaseOwner());
        return claimed.id();
    }

    private String lease(String worker) {
        return leases.getOrDefault(worker, worker);
    }

    private void expireLease(long job) {
        Db.update(db, "update packaging_job set lease_expires_at = now() - interval '1 minute' where id = ?", job);
    }

    private String status(long job) {
        return Db.string(db, "select status from packaging_job where id = ?", job);
    }

    private String owner(long job) {
        return Db.string(db, "select lease_owner from packaging_job where id = ?", job);
    }

    private static <T> T await(Uni<T> uni) {
        return uni.await().atMost(Duration.ofSeconds(10));
    }
}
