package io.vodpack.delivery;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.notNullValue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.support.Api;
import io.vodpack.support.Db;
import io.vodpack.support.S3Server;
import io.vodpack.support.TestMedia;

/**
 * Segments kept on the replica's scratch disk (storage kind s3, {@code vodpack.delivery.cache-size}): answered exactly
 * as the bucket answers them, served while the bucket is unreachable, forgotten when any replica deletes the job, and
 * never more than the configured size.
 */
@QuarkusTest
@TestProfile(S3SegmentCacheProfile.class)
class S3SegmentCacheTest {

    static final String KEY = "hyN9IKGfWKdAwFaE5pm0qg";
    static final String KID = "oW5AK5BW43HzbTSKpiu3SQ";
    static final List<String> FILES = List.of("video/init.mp4", "video/seg_1.m4s", "video/seg_2.m4s", "audio/init.mp4",
            "audio/seg_1.m4s", "audio/seg_2.m4s");

    @Inject
    AgroalDataSource db;

    @Inject
    SegmentCache cache;

    @Inject
    ContentStorage scratch;

    final S3Server s3 = S3SegmentCacheProfile.server();

    static long input;

    @BeforeEach
    void uploadOnce() throws Exception {
        TestMedia.assumeFfmpeg();
        if (input == 0) {
            input = Api.upload(TestMedia.h264Aac());
        }
    }

    private long packaged() {
        long job = Api.startPackaging(input, KEY, KID);
        Api.awaitFinished(job, Duration.ofSeconds(90)).then().statusCode(200);
        return job;
    }

    private String folder(long job) {
        return Db.string(db, "select output_folder from packaging_job where id = ?", job);
    }

    private byte[] stored(long job, String relative) {
        return s3.bytes(S3SegmentCacheProfile.BUCKET, "packaged/" + folder(job) + "/" + relative);
    }

    /** Serves the file once (from the bucket) and waits until this replica keeps it. */
    private Response keep(long job, String relative) {
        Response first = given().get("/content/" + job + "/" + relative);
        first.then().statusCode(200);
        String folder = folder(job);
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> cache.get(folder, relative).isPresent());
        return first;
    }

    /**
     * With the S3 server stopped, every answer below can only come from the kept file: the same bytes, validators,
     * ranges and conditions as from the bucket, while a segment not kept gets 503.
     */
    @Test
    void aKeptSegmentIsAnsweredAsTheBucketAnswersItEvenWhileTheBucketIsUnreachable() throws Exception {
        long job = packaged();
        String segment = "/content/" + job + "/video/seg_1.m4s";
        byte[] whole = stored(job, "video/seg_1.m4s");
        Response fromBucket = keep(job, "video/seg_1.m4s");
        String etag = fromBucket.header("ETag");
        String lastModified = fromBucket.header("Last-Modified");
        Path file = cache.get(folder(job), "video/seg_1.m4s").orElseThrow().file();
        assertThat(file).startsWith(scratch.segmentCacheDir());
        assertThat(Files.readAllBytes(file)).as("the kept file holds the object's bytes").isEqualTo(whole);

        s3.stop();
        try {
            byte[] served = given().header("Origin", "https://player.example").get(segment).then().statusCode(200)
                    .contentType("video/mp4").header("ETag", etag).header("Last-Modified", lastModified)
                    .header("Cache-Control", "public, max-age=31536000, immutable").header("Accept-Ranges", "bytes")
                    .header("Access-Control-Allow-Origin", "https://player.example")
                    .header("Content-Length", String.valueOf(whole.length)).extract().asByteArray();
            assertThat(served).isEqualTo(whole);
            byte[] part = given().header("Range", "bytes=100-199").get(segment).then().statusCode(206)
                    .header("Content-Range", "bytes 100-199/" + whole.length).header("ETag", etag).extract().asByteArray();
            assertThat(part).isEqualTo(Arrays.copyOfRange(whole, 100, 200));
            byte[] tail = given().header("Range", "bytes=-100").get(segment).then().statusCode(206)
                    .header("Content-Range", "bytes " + (whole.length - 100) + "-" + (whole.length - 1) + "/" + whole.length)
                    .extract().asByteArray();
            assertThat(tail).isEqualTo(Arrays.copyOfRange(whole, whole.length - 100, whole.length));
            byte[] all = given().header("Range", "bytes=-" + (whole.length + 100)).get(segment).then().statusCode(206)
                    .header("Content-Range", "bytes 0-" + (whole.length - 1) + "/" + whole.length).extract().asByteArray();
            assertThat(all).isEqualTo(whole);
            byte[] rest = given().header("Range", "bytes=" + (whole.length - 10) + "-" + (whole.length + 500)).get(segment)
                    .then().statusCode(206).extract().asByteArray();
            assertThat(rest).isEqualTo(Arrays.copyOfRange(whole, whole.length - 10, whole.length));
            for (String range : List.of("bytes=200-100", "bytes=0-9,20-29", "items=0-9", "bytes=abc")) {
                assertThat(given().header("Range", range).get(segment).then().statusCode(200).extract().asByteArray())
                        .as(range).isEqualTo(whole);
            }
            given().header("Range", "bytes=" + whole.length + "-").get(segment).then().statusCode(416)
                    .header("Content-Range", "bytes */" + whole.length).contentType("application/problem+json");
            given().header("If-None-Match", etag).get(segment).then().statusCode(304).header("ETag", etag);
            given().header("If-None-Match", "W/" + etag).get(segment).then().statusCode(304);
            given().header("If-None-Match", "\"another-version\", " + etag).get(segment).then().statusCode(304);
            given().header("If-None-Match", "*").get(segment).then().statusCode(304);
            given().header("If-None-Match", etag).header("Range", "bytes=0-9").get(segment).then().statusCode(304);
            given().header("If-Modified-Since", lastModified).get(segment).then().statusCode(304);
            assertThat(given().header("If-None-Match", "\"another-version\"").get(segment).then().statusCode(200)
                    .extract().asByteArray()).isEqualTo(whole);
            given().head(segment).then().statusCode(200).header("Content-Length", String.valueOf(whole.length))
                    .header("ETag", etag);
            given().header("Range", "bytes=0-9").head(segment).then().statusCode(200)
                    .header("Content-Length", String.valueOf(whole.length));
            given().get("/content/" + job + "/audio/seg_2.m4s").then().statusCode(503)
                    .contentType("application/problem+json");
        } finally {
            s3.start();
        }
    }

    /**
     * A frozen S3 server accepts connections and answers nothing: what the bucket must answer gets a 503 problem once
     * the server has been silent for {@code vodpack.storage.s3.timeout}, not after minutes, and a kept segment is
     * served meanwhile.
     */
    @Test
    @Timeout(120)
    void whatAFrozenBucketMustAnswerGets503InTimeWhileKeptSegmentsAreServed() throws Exception {
        long job = packaged();
        byte[] kept = stored(job, "video/init.mp4");
        byte[] notKept = stored(job, "audio/seg_2.m4s");
        keep(job, "video/init.mp4");
        URI mpd = URI.create(given().get("/packaged_content/" + job).then().statusCode(200).extract().path("url"));
        Duration bound = S3SegmentCacheProfile.TIMEOUT.multipliedBy(2).plusSeconds(3);
        s3.pause();
        try {
            String segment = "/content/" + job + "/audio/seg_2.m4s";
            for (String request : List.of("GET " + segment, "HEAD " + segment, "GET " + mpd.getRawPath() + "?" + mpd.getRawQuery())) {
                String[] parts = request.split(" ");
                long start = System.nanoTime();
                Response answer = given().urlEncodingEnabled(false).request(parts[0], parts[1]);
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                answer.then().statusCode(503).header("Retry-After", notNullValue());
                if (parts[0].equals("GET")) {
                    answer.then().contentType("application/problem+json");
                }
                assertThat(took).as(request + " answered while the bucket is silent").isLessThan(bound);
            }
            assertThat(given().get("/content/" + job + "/video/init.mp4").then().statusCode(200).extract().asByteArray())
                    .isEqualTo(kept);
            given().get("/packaged_content/" + job).then().statusCode(200);
        } finally {
            s3.resume();
        }
        assertThat(given().get("/content/" + job + "/audio/seg_2.m4s").then().statusCode(200).extract().asByteArray())
                .isEqualTo(notKept);
    }

    /** This profile's S3 server refuses DeleteObjects: the objects go one DELETE at a time, and all of them go. */
    @Test
    void deletingAJobRemovesEveryObjectWhereTheServerRefusesBatchDeletes() throws Exception {
        long job = packaged();
        String folder = folder(job);
        keep(job, "video/init.mp4");
        assertThat(s3.keys(S3SegmentCacheProfile.BUCKET, "packaged/" + folder + "/")).hasSizeGreaterThan(FILES.size());
        given().delete("/packaged_content/" + job).then().statusCode(204);
        assertThat(s3.keys(S3SegmentCacheProfile.BUCKET, "packaged/" + folder + "/")).isEmpty();
        given().get("/content/" + job + "/video/init.mp4").then().statusCode(404);
    }

    @Test
    void aKeptFileRemovedFromTheDiskIsServedFromTheBucketAndKeptAgain() throws Exception {
        long job = packaged();
        String folder = folder(job);
        byte[] whole = stored(job, "audio/init.mp4");
        keep(job, "audio/init.mp4");
        Files.delete(cache.get(folder, "audio/init.mp4").orElseThrow().file());
        byte[] served = given().get("/content/" + job + "/audio/init.mp4").then().statusCode(200)
                .header("Cache-Control", "public, max-age=31536000, immutable").extract().asByteArray();
        assertThat(served).isEqualTo(whole);
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> cache.get(folder, "audio/init.mp4").map(e -> Files.exists(e.file())).orElse(false));
        assertThat(Files.readAllBytes(cache.get(folder, "audio/init.mp4").orElseThrow().file())).isEqualTo(whole);
    }

    @Test
    void aJobDeletedOnAnyReplicaIsNoLongerServedFromTheCache() throws Exception {
        long job = packaged();
        String folder = folder(job);
        keep(job, "audio/seg_1.m4s");
        // What another replica's DELETE does to the row; its objects stay in the bucket for this test.
        Db.update(db, "delete from packaging_job where id = ?", job);
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> given().get("/content/" + job + "/audio/seg_1.m4s").statusCode() == 404);
        assertThat(cache.get(folder, "audio/seg_1.m4s")).isEmpty();
        assertThat(s3.keys(S3SegmentCacheProfile.BUCKET, "packaged/" + folder + "/")).isNotEmpty();
    }

    /** Streams are served until twice the cache's size has gone through it: it never holds, nor keeps on disk, more. */
    @Test
    void theCacheHoldsAtMostItsSizeAndTheLeastRecentlyServedGoFirst() throws Exception {
        List<Long> jobs = new ArrayList<>();
        long served = 0;
        while (served < 2 * S3SegmentCacheProfile.CACHE_SIZE) {
            long job = packaged();
            jobs.add(job);
            for (String file : FILES) {
                long size = stored(job, file).length;
                assertThat(size).as("an object the cache may keep").isLessThanOrEqualTo(S3SegmentCacheProfile.CACHE_SIZE / 4);
                keep(job, file);
                served += size;
                assertThat(cache.size()).isLessThanOrEqualTo(S3SegmentCacheProfile.CACHE_SIZE);
            }
        }
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).untilAsserted(
                () -> assertThat(bytesOnDisk()).as("kept files on disk").isLessThanOrEqualTo(S3SegmentCacheProfile.CACHE_SIZE));
        long first = jobs.get(0);
        long last = jobs.get(jobs.size() - 1);
        assertThat(cache.get(folder(first), FILES.get(0))).as("served longest ago").isEmpty();
        assertThat(cache.get(folder(last), FILES.get(FILES.size() - 1))).as("served last").isPresent();
        byte[] again = given().get("/content/" + first + "/" + FILES.get(0)).then().statusCode(200).extract().asByteArray();
        assertThat(again).isEqualTo(stored(first, FILES.get(0)));
    }

    private long bytesOnDisk() throws Exception {
        try (var files = Files.list(scratch.segmentCacheDir())) {
            return files.mapToLong(f -> f.toFile().length()).sum();
        }
    }
}
