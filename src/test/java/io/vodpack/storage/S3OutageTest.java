package io.vodpack.storage;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.nio.file.Files;
import java.time.Duration;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.support.Api;
import io.vodpack.support.Db;
import io.vodpack.support.S3Server;
import io.vodpack.support.TestMedia;

/** The S3 server goes away and comes back: uploads get a 503 problem meanwhile, nothing half-stored stays, the service lives on. */
@QuarkusTest
@TestProfile(OwnS3ServerProfile.class)
class S3OutageTest {

    @Inject
    AgroalDataSource db;

    @Inject
    ContentStorage scratch;

    @Test
    void anUploadWhileTheS3ServerIsDownGets503AndNothingIsStored() throws Exception {
        TestMedia.assumeFfmpeg();
        S3Server s3 = OwnS3ServerProfile.server();
        long inputsBefore = Db.count(db, "select count(*) from input_content");
        s3.stop();
        try {
            given().contentType("video/mp4").body(Files.readAllBytes(TestMedia.h264Aac())).post("/upload_input_content")
                    .then().statusCode(503).contentType("application/problem+json")
                    .header("Retry-After", "10").body("detail", containsString("nothing was stored"));
            given().get("/q/health/ready").then().statusCode(503).body(containsString("storage"));
            // The service itself stays up: its API answers.
            given().get("/input_content").then().statusCode(200);
        } finally {
            s3.start();
        }
        assertThat(Db.count(db, "select count(*) from input_content")).isEqualTo(inputsBefore);
        try (var incoming = Files.list(scratch.incomingDir())) {
            assertThat(incoming).as("no local leftovers").isEmpty();
        }
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
        assertThat(s3.keys(OwnS3ServerProfile.BUCKET, "inputs/")).as("nothing half-stored in the bucket").isEmpty();
        assertThat(s3.openMultipartUploads(OwnS3ServerProfile.BUCKET)).isZero();
        long input = Api.upload(TestMedia.h264Aac());
        String name = Db.string(db, "select storage_name from input_content where id = ?", input);
        assertThat(s3.keys(OwnS3ServerProfile.BUCKET, "inputs/")).containsExactly("inputs/" + name);
    }
}
