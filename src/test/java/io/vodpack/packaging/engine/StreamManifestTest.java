package io.vodpack.packaging.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vodpack.packaging.ContentKey;

class StreamManifestTest {

    static final ContentKey KID = ContentKey.parse("kid", "oW5AK5BW43HzbTSKpiu3SQ");

    static String mpd(String scheme, String kid) {
        String set = """
                <AdaptationSet contentType="%s">
                  <ContentProtection value="%s" schemeIdUri="urn:mpeg:dash:mp4protection:2011" cenc:default_KID="%s"/>
                  <Representation id="%s" bandwidth="1000" mimeType="%s/mp4">
                    <SegmentTemplate timescale="1000" initialization="%s/init.mp4" media="%s/seg_$Number$.m4s" startNumber="1">
                      <SegmentTimeline><S t="0" d="4000" r="1"/></SegmentTimeline>
                    </SegmentTemplate>
                  </Representation>
                </AdaptationSet>""";
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:cenc="urn:mpeg:cenc:2013" type="static"><Period>
                """ + set.formatted("video", scheme, kid, "0", "video", "video", "video")
                + set.formatted("audio", scheme, kid, "1", "audio", "audio", "audio") + "</Period></MPD>";
    }

    static Path write(Path dir, String mpd, boolean allSegments) throws Exception {
        for (String track : new String[] { "video", "audio" }) {
            Files.createDirectories(dir.resolve(track));
            Files.writeString(dir.resolve(track + "/init.mp4"), "i");
            Files.writeString(dir.resolve(track + "/seg_1.m4s"), "s");
            if (allSegments) {
                Files.writeString(dir.resolve(track + "/seg_2.m4s"), "s");
            }
        }
        Path file = dir.resolve("stream.mpd");
        Files.writeString(file, mpd);
        return file;
    }

    @Test
    void addsTheW3cClearKeySystemWithTheLicenseUrlToEveryAdaptationSet(@TempDir Path dir) throws Exception {
        Path file = write(dir, mpd("cbcs", KID.uuid()), true);
        StreamManifest.finish(file, KID, "http://vod/license/clearkey/3");
        String out = Files.readString(file);
        assertThat(out.split("urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e", -1)).hasSize(3);
        assertThat(out).contains("xmlns:dashif=\"https://dashif.org/CPS\"")
                .contains("<dashif:Laurl>http://vod/license/clearkey/3</dashif:Laurl>");
        // Idempotent: finishing again does not add a second ClearKey element.
        StreamManifest.finish(file, KID, "http://vod/license/clearkey/3");
        assertThat(Files.readString(file).split("urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e", -1)).hasSize(3);
    }

    @Test
    void rejectsAMissingSegment(@TempDir Path dir) throws Exception {
        Path file = write(dir, mpd("cbcs", KID.uuid()), false);
        assertThatThrownBy(() -> StreamManifest.finish(file, KID, "u"))
                .hasMessageContaining("references video/seg_2.m4s, which the engine did not write");
    }

    @Test
    void rejectsCencAndAnotherKid(@TempDir Path dir) throws Exception {
        Path cenc = write(dir, mpd("cenc", KID.uuid()), true);
        assertThatThrownBy(() -> StreamManifest.finish(cenc, KID, "u")).hasMessageContaining("expected cbcs");
        Path other = write(dir, mpd("cbcs", "00000000-0000-0000-0000-000000000000"), true);
        assertThatThrownBy(() -> StreamManifest.finish(other, KID, "u")).hasMessageContaining("not the job's KID");
    }

    @Test
    void rejectsBrokenXmlAndPathsOutsideTheOutput(@TempDir Path dir) throws Exception {
        Path broken = write(dir, "<MPD", true);
        assertThatThrownBy(() -> StreamManifest.finish(broken, KID, "u")).hasMessageContaining("not well-formed");
        Path escaping = write(dir, mpd("cbcs", KID.uuid()).replace("initialization=\"video/init.mp4\"",
                "initialization=\"../../etc/passwd\""), true);
        assertThatThrownBy(() -> StreamManifest.finish(escaping, KID, "u")).hasMessageContaining("did not write");
    }
}
