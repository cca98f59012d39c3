package io.vodpack.storage;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.hasItem;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.vodpack.access.playback.PlaybackTokens;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.support.Api;
import io.vodpack.support.Db;
import io.vodpack.support.JobFolders;
import io.vodpack.support.S3Server;
import io.vodpack.support.StreamCheck;
import io.vodpack.support.TestMedia;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * Storage kind s3 against a real S3 server (S3Proxy): inputs and published streams are objects in the bucket, the
 * stream is served from there with the filesystem route's behaviour, and deletes and sweeps leave no objects.
 */
@QuarkusTest
@TestProfile(S3StorageProfile.class)
class S3StorageTest {

    static final String KEY = "hyN9IKGfWKdAwFaE5pm0qg";
    static final String KID = "oW5AK5BW43HzbTSKpiu3SQ";
    static final String KEY_HEX = "87237d20a19f58a740c05684e699b4aa";
    static final String KID_HEX = "a16e402b9056e371f36d348aa62bb749";
    static final String BUCKET = S3StorageProfile.BUCKET;

    @Inject
    AgroalDataSource db;

    @Inject
    ContentStorage scratch;

    @Inject
    PlaybackTokens tokens;

    final S3Server s3 = S3Server.shared();

    static long job;
    static String url;
    static String base;

    /** One stream packaged for the class, on its first test. */
    @BeforeEach
    void packageOnce() throws Exception {
        TestMedia.assumeFfmpeg();
        if (url != null) {
            return;
        }
        job = Api.startPackaging(Api.upload(TestMedia.h264Aac()), KEY, KID);
        url = Api.awaitFinished(job, Duration.ofSeconds(90)).then().statusCode(200).extract().jsonPath().getString("url");
        base = url.substring(0, url.lastIndexOf('/'));
    }

    private String folder(long id) {
        return Db.string(db, "select output_folder from packaging_job where id = ?", id);
    }

    /**
     * A ladder with the bucket: each rendition is kept as an object under {@code renditions/<job>/} (no replica's
     * local folder), the packaging attempt takes them from there, and once the job is DONE they are gone from the
     * bucket while the published stream holds every rung, each decrypting with the job's key.
     */
    @Test
    void aLadderKeepsItsRenditionsInTheBucketUntilTheStreamIsPublished(@TempDir Path tmp) throws Exception {
        long input = Api.upload(TestMedia.h264AacLong());
        long ladder = given().contentType("application/json").body("{\"input_content_id\": " + input + ", \"key\": \"" + KEY
                + "\", \"kid\": \"" + KID + "\", \"ladder\": [{\"height\": 360, \"video_bitrate\": 500},"
                + " {\"height\": 180, \"video_bitrate\": 200}]}")
                .post("/packaged_content").then().statusCode(202).extract().jsonPath().getLong("packaged_content_id");
        // Hold the packaging until every rendition is kept, to see them in the bucket.
        Db.update(db, "update packaging_job set not_before = now() + interval '1 hour' where id = ?", ladder);
        Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> Db.count(db,
                "select count(*) from packaging_job where parent_id = ? and status = 'DONE'", ladder) == 3);
        assertThat(s3.keys(BUCKET, "renditions/" + ladder + "/")).containsExactlyInAnyOrder(
                "renditions/" + ladder + "/360p.mp4", "renditions/" + ladder + "/180p.mp4", "renditions/" + ladder + "/audio.mp4");
        assertThat(scratch.renditionsFolder(ladder)).as("no local copy outlives the attempts").doesNotExist();
        for (String name : List.of("360p", "180p", "audio")) {
            Files.write(tmp.resolve(name + ".mp4"), s3.bytes(BUCKET, "renditions/" + ladder + "/" + name + ".mp4"));
        }
        Db.update(db, "update packaging_job set not_before = null where id = ?", ladder);

        Response done = Api.awaitFinished(ladder, Duration.ofSeconds(120));
        done.then().statusCode(200);
        assertThat(s3.keys(BUCKET, "renditions/" + ladder + "/")).as("renditions removed once the ladder is over").isEmpty();
        String folder = folder(ladder);
        List<String> published = s3.keys(BUCKET, "packaged/" + folder + "/");
        assertThat(published).contains("packaged/" + folder + "/stream.mpd", "packaged/" + folder + "/master.m3u8",
                "packaged/" + folder + "/video/360p/init.mp4", "packaged/" + folder + "/video/180p/init.mp4",
                "packaged/" + folder + "/audio/init.mp4");
        // Every rung, as the bucket holds it, decrypts with the job's key to exactly the packets of its transcode.
        for (String name : List.of("360p", "180p", "audio")) {
            String track = name.equals("audio") ? "audio" : "video/" + name;
            String stream = name.equals("audio") ? "audio" : "video";
            List<String> segments = published.stream().filter(k -> k.startsWith("packaged/" + folder + "/" + track + "/seg_"))
                    .sorted(java.util.Comparator.comparingInt(k -> Integer.parseInt(k.replaceAll(".*seg_([0-9]+)\\.m4s$", "$1"))))
                    .toList();
            assertThat(segments).as(track + " segments").isNotEmpty();
            Path encrypted = tmp.resolve(name + "-encrypted.mp4");
            Files.write(encrypted, s3.bytes(BUCKET, "packaged/" + folder + "/" + track + "/init.mp4"));
            for (String segment : segments) {
                Files.write(encrypted, s3.bytes(BUCKET, segment), java.nio.file.StandardOpenOption.APPEND);
            }
            Path decrypted = StreamCheck.decrypt(encrypted, stream, KID_HEX, KEY_HEX);
            assertThat(StreamCheck.packetHashes(decrypted, stream)).as(track + " packets after decryption")
                    .isEqualTo(StreamCheck.packetHashes(tmp.resolve(name + ".mp4"), stream));
        }
    }

    @Test
    void readinessReportsTheBucketReachableAndWritable() {
        given().get("/q/health/ready").then().statusCode(200).body("checks.name", hasItem("storage"));
        String kind = given().get("/q/health/ready").jsonPath().getString("checks.find { it.name == 'storage' }.data.kind");
        assertThat(kind).isEqualTo("s3");
        assertThat(s3.keys(BUCKET, "readiness/")).as("the probe object is removed").isEmpty();
    }

    @Test
    void anUploadedInputIsAnObjectWithTheUploadedBytesAndNoLocalCopyRemains() throws Exception {
        Path source = TestMedia.h264Aac();
        long input = Api.upload(source);
        String name = Db.string(db, "select storage_name from input_content where id = ?", input);
        assertThat(s3.bytes(BUCKET, "inputs/" + name)).isEqualTo(Files.readAllBytes(source));
        assertThat(scratch.inputFile(name)).doesNotExist();
        try (var incoming = Files.list(scratch.incomingDir())) {
            assertThat(incoming).isEmpty();
        }
        given().delete("/input_content/" + input).then().statusCode(204);
        assertThat(s3.keys(BUCKET, "inputs/" + name)).isEmpty();
    }

    @Test
    void thePackagedStreamIsInTheBucketAndDecryptsToTheSourcePackets(@TempDir Path tmp) throws Exception {
        String folder = folder(job);
        List<String> keys = s3.keys(BUCKET, "packaged/" + folder + "/");
        assertThat(keys).contains("packaged/" + folder + "/stream.mpd", "packaged/" + folder + "/video/init.mp4",
                "packaged/" + folder + "/audio/init.mp4", "packaged/" + folder + "/video/seg_1.m4s");
        HeadObjectResponse mpd = s3.client().headObject(b -> b.bucket(BUCKET).key("packaged/" + folder + "/stream.mpd")).join();
        assertThat(mpd.contentType()).isEqualTo("application/dash+xml");
        assertThat(mpd.cacheControl()).isEqualTo("public, max-age=10");
        HeadObjectResponse segment = s3.client().headObject(b -> b.bucket(BUCKET).key("packaged/" + folder + "/video/seg_1.m4s")).join();
        assertThat(segment.contentType()).isEqualTo("video/mp4");
        assertThat(segment.cacheControl()).isEqualTo("public, max-age=31536000, immutable");
        assertThat(segment.metadata()).as("no user metadata, keys least of all").isEmpty();
        // Nothing of the stream stays on the worker's disk.
        assertThat(JobFolders.staging(scratch, job)).isEmpty();
        assertThat(JobFolders.allPublished(scratch, job)).isEmpty();

        byte[] mpdBytes = given().get(url).then().statusCode(200).contentType("application/dash+xml").extract().asByteArray();
        Document doc = StreamCheck.parse(mpdBytes);
        Path source = TestMedia.h264Aac();
        for (String stream : List.of("video", "audio")) {
            Path encrypted = StreamCheck.downloadTrack(url, doc, stream, tmp);
            List<String> sourcePackets = StreamCheck.packetHashes(source, stream);
            assertThat(StreamCheck.packetHashes(encrypted, stream).get(0)).isNotEqualTo(sourcePackets.get(0));
            Path decrypted = StreamCheck.decrypt(encrypted, stream, KID_HEX, KEY_HEX);
            assertThat(StreamCheck.packetHashes(decrypted, stream)).as(stream + " packets after decryption").isEqualTo(sourcePackets);
        }
        String stored = new String(s3.bytes(BUCKET, "packaged/" + folder + "/stream.mpd"));
        assertThat(stored).contains("<dashif:Laurl>../../license/clearkey/" + job + "</dashif:Laurl>").doesNotContain("token")
                .doesNotContain(KEY_HEX);
    }

    @Test
    void segmentsAreServedFromTheBucketWithRangesCachingAndCors() {
        byte[] whole = s3.bytes(BUCKET, "packaged/" + folder(job) + "/video/seg_1.m4s");
        byte[] served = given().header("Origin", "https://player.example").get(base + "/video/seg_1.m4s").then()
                .statusCode(200).contentType("video/mp4")
                .header("Cache-Control", "public, max-age=31536000, immutable")
                .header("Accept-Ranges", "bytes")
                .header("Access-Control-Allow-Origin", "https://player.example")
                .extract().asByteArray();
        assertThat(served).isEqualTo(whole);
        byte[] part = given().header("Range", "bytes=100-199").get(base + "/video/seg_1.m4s").then().statusCode(206)
                .header("Content-Range", "bytes 100-199/" + whole.length).extract().asByteArray();
        assertThat(part).isEqualTo(Arrays.copyOfRange(whole, 100, 200));
        given().header("Range", "bytes=" + (whole.length + 10) + "-").get(base + "/video/seg_1.m4s").then().statusCode(416);
        given().head(base + "/video/init.mp4").then().statusCode(200)
                .header("Content-Length", String.valueOf(s3.bytes(BUCKET, "packaged/" + folder(job) + "/video/init.mp4").length));
    }

    @Test
    void conditionalRequestsGet304() {
        Response first = given().get(base + "/audio/seg_1.m4s");
        String etag = first.header("ETag");
        assertThat(etag).isNotBlank();
        given().header("If-None-Match", etag).get(base + "/audio/seg_1.m4s").then().statusCode(304);
        given().header("If-Modified-Since", first.header("Last-Modified")).get(base + "/audio/seg_1.m4s").then().statusCode(304);
        String mpdEtag = given().get(url).then().statusCode(200).header("Cache-Control", "public, max-age=10").extract().header("ETag");
        given().header("If-None-Match", mpdEtag).get(url).then().statusCode(304);
    }

    @Test
    void theClientsEntityTagIsComparedByTheBucketInTheSameRequest() {
        String segment = base + "/audio/seg_1.m4s";
        byte[] whole = s3.bytes(BUCKET, "packaged/" + folder(job) + "/audio/seg_1.m4s");
        String etag = given().get(segment).then().statusCode(200).extract().header("ETag");
        given().header("If-None-Match", etag).get(segment).then().statusCode(304)
                .header("ETag", etag).header("Cache-Control", "public, max-age=31536000, immutable");
        given().header("If-None-Match", "W/" + etag).get(segment).then().statusCode(304).header("ETag", etag);
        given().header("If-None-Match", "*").get(segment).then().statusCode(304).header("ETag", etag);
        given().header("If-None-Match", "\"another-version\", " + etag).get(segment).then().statusCode(304).header("ETag", etag);
        given().header("If-None-Match", etag).header("Range", "bytes=0-9").get(segment).then().statusCode(304);
        given().header("If-None-Match", etag).head(segment).then().statusCode(304).header("ETag", etag);
        byte[] changed = given().header("If-None-Match", "\"another-version\"").get(segment).then().statusCode(200)
                .header("ETag", etag).extract().asByteArray();
        assertThat(changed).isEqualTo(whole);
        given().header("If-None-Match", etag).get(base + "/audio/no-such-segment.m4s").then().statusCode(404);
    }

    @Test
    void aSegmentWrittenAfterTheClientsDateIsServedWhole() {
        String segment = base + "/audio/seg_1.m4s";
        byte[] whole = s3.bytes(BUCKET, "packaged/" + folder(job) + "/audio/seg_1.m4s");
        byte[] served = given().header("If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT").get(segment).then()
                .statusCode(200).extract().asByteArray();
        assertThat(served).isEqualTo(whole);
        given().header("If-Modified-Since", "not a date").get(segment).then().statusCode(200);
    }

    @Test
    void aSuffixRangeIsServedAndRangesThatAreNotOneValidRangeGetTheWholeSegment() {
        String segment = base + "/video/seg_1.m4s";
        byte[] whole = s3.bytes(BUCKET, "packaged/" + folder(job) + "/video/seg_1.m4s");
        byte[] tail = given().header("Range", "bytes=-100").get(segment).then().statusCode(206)
                .header("Content-Range", "bytes " + (whole.length - 100) + "-" + (whole.length - 1) + "/" + whole.length)
                .extract().asByteArray();
        assertThat(tail).isEqualTo(Arrays.copyOfRange(whole, whole.length - 100, whole.length));
        for (String range : List.of("bytes=200-100", "bytes=0-9,20-29", "items=0-9", "bytes=abc")) {
            byte[] served = given().header("Range", range).get(segment).then().statusCode(200)
                    .header("Content-Length", String.valueOf(whole.length)).extract().asByteArray();
            assertThat(served).as(range).isEqualTo(whole);
        }
        given().header("Range", "bytes=" + whole.length + "-").get(segment).then().statusCode(416)
                .header("Content-Range", "bytes */" + whole.length).contentType("application/problem+json");
    }

    @Test
    void onlyDoneJobsAreServedAndMissingFilesAre404() throws Exception {
        given().get(base + "/video/no-such-segment.m4s").then().statusCode(404).contentType("application/problem+json");
        given().get("/content/0" + job + "/video/init.mp4").then().statusCode(404);
        given().post(base + "/stream.mpd").then().statusCode(405);
        given().get(base + "/stream.mpd").then().statusCode(401);
        long other = Api.startPackaging(Api.upload(TestMedia.h264Aac()), KEY, KID);
        Api.awaitFinished(other, Duration.ofSeconds(90)).then().statusCode(200);
        String otherFolder = folder(other);
        Db.update(db, "update packaging_job set status = 'FAILED' where id = ?", other);
        assertThat(s3.keys(BUCKET, "packaged/" + otherFolder + "/")).contains("packaged/" + otherFolder + "/stream.mpd");
        given().get("/content/" + other + "/stream.mpd?token=" + tokens.mint(other, null).token()).then().statusCode(404);
        given().get("/content/" + other + "/video/init.mp4").then().statusCode(404);
    }

    @Test
    void deletingADoneJobRemovesEveryObjectOfItsStream() throws Exception {
        long done = Api.startPackaging(Api.upload(TestMedia.h264Aac()), KEY, KID);
        String doneUrl = Api.awaitFinished(done, Duration.ofSeconds(90)).then().statusCode(200).extract().jsonPath().getString("url");
        String doneFolder = folder(done);
        assertThat(s3.keys(BUCKET, "packaged/" + doneFolder + "/")).isNotEmpty();
        given().delete("/packaged_content/" + done).then().statusCode(204);
        assertThat(s3.keys(BUCKET, "packaged/" + doneFolder + "/")).isEmpty();
        given().get(doneUrl).then().statusCode(404);
    }

    @Test
    void theBucketCredentialsAppearInNoLog() throws Exception {
        String log = Files.readString(Path.of("target/quarkus-test.log"));
        assertThat(log).contains("Storage: bucket " + BUCKET).doesNotContain(S3Server.SECRET_KEY);
    }

    @Test
    void theSweeperRemovesObjectsOfAnAttemptNoJobNamesLive() {
        String orphan = "packaged/" + job + "-99-0badc0de/";
        for (String file : List.of("video/init.mp4", "video/seg_1.m4s")) {
            s3.client().putObject(b -> b.bucket(BUCKET).key(orphan + file), AsyncRequestBody.fromString("half a stream")).join();
        }
        // Spared for a lease (PT6S in tests): it might be about to become live; then swept.
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> s3.keys(BUCKET, orphan).isEmpty());
        assertThat(s3.keys(BUCKET, "packaged/" + folder(job) + "/")).as("the live stream stays").isNotEmpty();
    }
}
