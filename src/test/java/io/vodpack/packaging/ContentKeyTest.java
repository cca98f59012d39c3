package io.vodpack.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.vodpack.core.error.ProblemException;

class ContentKeyTest {

    @Test
    void theBriefsBase64urlKeysDecodeToTheirHex() {
        assertThat(ContentKey.parse("key", "hyN9IKGfWKdAwFaE5pm0qg").hex()).isEqualTo("87237d20a19f58a740c05684e699b4aa");
        assertThat(ContentKey.parse("kid", "oW5AK5BW43HzbTSKpiu3SQ").hex()).isEqualTo("a16e402b9056e371f36d348aa62bb749");
    }

    @Test
    void hexAndPaddedBase64AreAcceptedAndKeepTheirWrittenForm() {
        ContentKey hex = ContentKey.parse("key", "87237D20A19F58A740C05684E699B4AA");
        ContentKey padded = ContentKey.parse("key", "hyN9IKGfWKdAwFaE5pm0qg==");
        assertThat(hex).isEqualTo(padded);
        assertThat(hex.text()).isEqualTo("87237D20A19F58A740C05684E699B4AA");
        assertThat(padded.base64url()).isEqualTo("hyN9IKGfWKdAwFaE5pm0qg");
    }

    @Test
    void kidUuidIsTheFormOfDefaultKid() {
        assertThat(ContentKey.parse("kid", "oW5AK5BW43HzbTSKpiu3SQ").uuid()).isEqualTo("a16e402b-9056-e371-f36d-348aa62bb749");
    }

    @Test
    void wrongLengthsAndAlphabetsAreRejectedNamingTheField() {
        for (String bad : new String[] { "", "abc", "hyN9IKGfWKdAwFaE5pm0q", "hyN9IKGfWKdAwFaE5pm0qg=", "87237d20a19f58a740c05684e699b4a",
                "zz237d20a19f58a740c05684e699b4aa", "hyN9IKGfWKdAwFaE5pm0q+" }) {
            assertThatThrownBy(() -> ContentKey.parse("kid", bad)).as(bad).isInstanceOf(ProblemException.class)
                    .hasMessageContaining("'kid'");
        }
    }

    @Test
    void randomKeysAre16SecureBytesAndNeverPrinted() {
        ContentKey a = ContentKey.random();
        ContentKey b = ContentKey.random();
        assertThat(a.bytes()).hasSize(16);
        assertThat(a).isNotEqualTo(b);
        assertThat(a.toString()).doesNotContain(a.hex()).doesNotContain(a.text());
    }
}
