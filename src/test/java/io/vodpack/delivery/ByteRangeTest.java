package io.vodpack.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The one byte range a segment request may ask for, read as an S3 server reads it (RFC 9110 14.1.2). */
class ByteRangeTest {

    @Test
    void aRangeWithinTheObjectIsServedAsAsked() {
        assertThat(SegmentResponses.span("bytes=100-199", 1000)).containsExactly(100, 199);
        assertThat(SegmentResponses.span("bytes=0-0", 1000)).containsExactly(0, 0);
    }

    @Test
    void anOpenOrOverlongRangeEndsAtTheLastByte() {
        assertThat(SegmentResponses.span("bytes=990-", 1000)).containsExactly(990, 999);
        assertThat(SegmentResponses.span("bytes=990-5000", 1000)).containsExactly(990, 999);
    }

    @Test
    void aSuffixRangeIsTheLastBytesOrTheWholeObject() {
        assertThat(SegmentResponses.span("bytes=-100", 1000)).containsExactly(900, 999);
        assertThat(SegmentResponses.span("bytes=-5000", 1000)).containsExactly(0, 999);
    }

    @Test
    void rangesWithNoByteInTheObjectAreNotSatisfiable() {
        assertThat(SegmentResponses.span("bytes=1000-", 1000)).isNull();
        assertThat(SegmentResponses.span("bytes=-0", 1000)).isNull();
        assertThat(SegmentResponses.span("bytes=0-", 0)).isNull();
        assertThat(SegmentResponses.span("bytes=99999999999999999999-", 1000)).isNull();
    }

    @Test
    void onlyOneWellFormedAscendingRangeIsTakenAtAll() {
        assertThat(SegmentResponses.singleRange("bytes=0-9")).isEqualTo("bytes=0-9");
        assertThat(SegmentResponses.singleRange("bytes=9-0")).isNull();
        assertThat(SegmentResponses.singleRange("bytes=0-9,20-29")).isNull();
        assertThat(SegmentResponses.singleRange("items=0-9")).isNull();
        assertThat(SegmentResponses.singleRange("bytes=-")).isNull();
    }
}
