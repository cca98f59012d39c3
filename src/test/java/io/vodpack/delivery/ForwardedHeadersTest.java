package io.vodpack.delivery;

import static io.vodpack.support.Api.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.vodpack.core.storage.ContentStorage;
import io.vodpack.support.Api;
import io.vodpack.support.Db;
import io.vodpack.support.JobFolders;
import io.vodpack.support.StreamCheck;
import io.vodpack.support.TestMedia;

/** A client's X-Forwarded-Host never reaches a stored row or a file, even with forwarded headers trusted. */
@QuarkusTest
@TestProfile(TrustedProxyProfile.class)
class ForwardedHeadersTest {

    static final String DASHIF_NS = "https://dashif.org/CPS";

    @Inject
    AgroalDataSource db;

    @Inject
    ContentStorage storage;

    @Test
    void aForwardedHostIsNeitherStoredNorWrittenIntoTheMpd() throws Exception {
        long input = Api.upload(TestMedia.h264Aac());
        long job = given().header("X-Forwarded-Host", "attacker.example").contentType(ContentType.JSON)
                .body(Map.of("input_content_id", input)).post("/packaged_content")
                .then().statusCode(202).extract().jsonPath().getLong("packaged_content_id");
        String url = Api.awaitFinished(job, Duration.ofSeconds(60)).then().statusCode(200).extract().path("url");
        String token = url.substring(url.indexOf("?token=") + 7);

        assertThat(Db.string(db, "select p::text from packaging_job p where id = ?", job)).doesNotContain("attacker");
        String onDisk = Files.readString(JobFolders.published(db, storage, job).resolve("stream.mpd"));
        assertThat(onDisk).doesNotContain("attacker").doesNotContain("vod.example.com");
        assertThat(laurls(onDisk.getBytes())).containsOnly("../../license/clearkey/" + job);

        // Served, the license URL is absolute, from vodpack.public-base-url whatever the request says.
        byte[] served = given().header("X-Forwarded-Host", "attacker.example").get("/content/" + job + "/stream.mpd?token=" + token)
                .then().statusCode(200).contentType("application/dash+xml").extract().asByteArray();
        assertThat(laurls(served)).hasSize(2).containsOnly("https://vod.example.com/license/clearkey/" + job + "?token=" + token);
    }

    private static List<String> laurls(byte[] mpd) throws Exception {
        Document doc = StreamCheck.parse(mpd);
        var nodes = doc.getElementsByTagNameNS(DASHIF_NS, "Laurl");
        List<String> urls = new java.util.ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            urls.add(((Element) nodes.item(i)).getTextContent().strip());
        }
        return urls;
    }
}
