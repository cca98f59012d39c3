package io.vodpack.upload;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.nio.file.Files;
import java.util.Map;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.support.TestMedia;

/** Below the free-space reserve, uploads are refused before any byte is written. */
@QuarkusTest
@TestProfile(LowDiskSpaceTest.Profile.class)
class LowDiskSpaceTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // A reserve no disk can meet: 1 PB.
            return Map.of("vodpack.upload.min-free-space", "1000000000000000");
        }
    }

    @Inject
    ContentStorage storage;

    @Test
    void uploadIsRefusedWith507AndNothingIsWritten() throws Exception {
        long before;
        try (Stream<java.nio.file.Path> files = Files.list(storage.incomingDir())) {
            before = files.count();
        }
        given().contentType("video/mp4").body(Files.readAllBytes(TestMedia.h264Aac())).post("/upload_input_content")
                .then().statusCode(507).contentType("application/problem+json")
                .body("detail", containsString("bytes free"));
        try (Stream<java.nio.file.Path> files = Files.list(storage.incomingDir())) {
            assertThat(files.count()).isEqualTo(before);
        }
    }
}
