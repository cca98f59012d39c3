package io.vodpack.upload.resumable;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The saved-and-restored SHA-256 gives the JDK's digest, wherever the state was saved. */
class ResumableSha256Test {

    @Test
    void digestsEqualTheJdksForEveryLengthAroundABlock() throws Exception {
        Random random = new Random(1);
        for (int length = 0; length < 300; length++) {
            byte[] bytes = new byte[length];
            random.nextBytes(bytes);
            ResumableSha256 ours = new ResumableSha256();
            ours.update(bytes);
            assertThat(ours.digest()).as("length %d", length).isEqualTo(MessageDigest.getInstance("SHA-256").digest(bytes));
        }
        assertThat(new ResumableSha256().digest("abc".getBytes())).isEqualTo(HexFormat.of()
                .parseHex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    }

    @Test
    void aStateSavedAnywhereGoesOnToTheSameDigest() throws Exception {
        Random random = new Random(2);
        byte[] bytes = new byte[3 << 20];
        random.nextBytes(bytes);
        byte[] expected = MessageDigest.getInstance("SHA-256").digest(bytes);
        for (int cut : new int[] { 0, 1, 63, 64, 65, 1000, 1 << 20, (3 << 20) - 1 }) {
            ResumableSha256 first = new ResumableSha256();
            first.update(bytes, 0, cut);
            byte[] state = first.state();
            assertThat(state.length).isLessThanOrEqualTo(105);
            ResumableSha256 second = ResumableSha256.restore(state);
            assertThat(second.count()).isEqualTo(cut);
            second.update(ByteBuffer.allocateDirect(bytes.length - cut).put(bytes, cut, bytes.length - cut).flip());
            assertThat(second.digest()).as("cut at %d", cut).isEqualTo(expected);
        }
    }
}
