package io.vodpack.upload.media;

import java.nio.ByteBuffer;

/**
 * The size of the pictures an H.264 decoder makes, read from the first sequence parameter set (SPS) in an
 * {@code avcC} box: macroblocks times 16, less the frame cropping (ISO/IEC 14496-10, 7.3.2.1.1 and 7.4.2.1.1). This,
 * not a header field a muxer (or a client) wrote, is what a transcode scales from.
 */
final class AvcPictureSize {

    /** Profiles whose SPS carries chroma format, bit depths and scaling matrices. */
    private static final java.util.Set<Integer> HIGH_PROFILES = java.util.Set.of(100, 110, 122, 244, 44, 83, 86, 118,
            128, 138, 139, 134, 135);

    private AvcPictureSize() {
    }

    /** {width, height} of the decoded (cropped) picture, or null when the {@code avcC} holds no SPS this reads. */
    static int[] fromAvcC(ByteBuffer avcC) {
        try {
            ByteBuffer b = avcC.duplicate();
            if (b.remaining() < 8) {
                return null;
            }
            b.position(b.position() + 5);
            int spsCount = b.get() & 0x1f;
            if (spsCount == 0) {
                return null;
            }
            int length = b.getShort() & 0xffff;
            if (length < 4 || length > b.remaining()) {
                return null;
            }
            byte[] nal = new byte[length];
            b.get(nal);
            if ((nal[0] & 0x1f) != 7) {
                return null;
            }
            return parse(new Bits(unescape(nal)));
        } catch (RuntimeException malformed) {
            return null;
        }
    }

    private static int[] parse(Bits r) {
        r.skip(8); // NAL header
        int profile = r.bits(8);
        r.skip(16); // constraint flags, level
        r.ue(); // seq_parameter_set_id
        int chromaFormat = 1;
        boolean separateColourPlanes = false;
        if (HIGH_PROFILES.contains(profile)) {
            chromaFormat = r.ue();
            if (chromaFormat == 3) {
                separateColourPlanes = r.bit();
            }
            r.ue(); // bit_depth_luma_minus8
            r.ue(); // bit_depth_chroma_minus8
            r.skip(1); // qpprime_y_zero_transform_bypass_flag
            if (r.bit()) { // seq_scaling_matrix_present_flag
                for (int i = 0; i < (chromaFormat != 3 ? 8 : 12); i++) {
                    if (r.bit()) {
                        skipScalingList(r, i < 6 ? 16 : 64);
                    }
                }
            }
        }
        r.ue(); // log2_max_frame_num_minus4
        int pocType = r.ue();
        if (pocType == 0) {
            r.ue();
        } else if (pocType == 1) {
            r.skip(1);
            r.se();
            r.se();
            int cycle = r.ue();
            for (int i = 0; i < cycle; i++) {
                r.se();
            }
        }
        r.ue(); // max_num_ref_frames
        r.skip(1); // gaps_in_frame_num_value_allowed_flag
        int widthInMbs = r.ue() + 1;
        int heightInMapUnits = r.ue() + 1;
        boolean frameMbsOnly = r.bit();
        if (!frameMbsOnly) {
            r.skip(1); // mb_adaptive_frame_field_flag
        }
        r.skip(1); // direct_8x8_inference_flag
        int left = 0;
        int right = 0;
        int top = 0;
        int bottom = 0;
        if (r.bit()) { // frame_cropping_flag
            left = r.ue();
            right = r.ue();
            top = r.ue();
            bottom = r.ue();
        }
        int arrayType = separateColourPlanes ? 0 : chromaFormat;
        int subWidth = arrayType == 1 || arrayType == 2 ? 2 : 1;
        int subHeight = arrayType == 1 ? 2 : 1;
        int cropX = arrayType == 0 ? 1 : subWidth;
        int cropY = (arrayType == 0 ? 1 : subHeight) * (frameMbsOnly ? 1 : 2);
        int width = widthInMbs * 16 - cropX * (left + right);
        int height = (frameMbsOnly ? 1 : 2) * heightInMapUnits * 16 - cropY * (top + bottom);
        return width > 0 && height > 0 ? new int[] { width, height } : null;
    }

    private static void skipScalingList(Bits r, int size) {
        int last = 8;
        int next = 8;
        for (int j = 0; j < size; j++) {
            if (next != 0) {
                next = (last + r.se() + 256) % 256;
            }
            last = next == 0 ? last : next;
        }
    }

    /** The NAL unit's payload without its emulation prevention bytes (00 00 03 → 00 00). */
    private static byte[] unescape(byte[] nal) {
        byte[] out = new byte[nal.length];
        int n = 0;
        int zeros = 0;
        for (byte value : nal) {
            if (zeros >= 2 && value == 3) {
                zeros = 0;
                continue;
            }
            zeros = value == 0 ? zeros + 1 : 0;
            out[n++] = value;
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** A big-endian bit reader with Exp-Golomb codes; reading past the end throws. */
    private static final class Bits {
        private final byte[] data;
        private int position;

        Bits(byte[] data) {
            this.data = data;
        }

        boolean bit() {
            if (position >= data.length * 8) {
                throw new IndexOutOfBoundsException("SPS ends early");
            }
            int value = (data[position >> 3] >> (7 - (position & 7))) & 1;
            position++;
            return value == 1;
        }

        int bits(int n) {
            int value = 0;
            for (int i = 0; i < n; i++) {
                value = (value << 1) | (bit() ? 1 : 0);
            }
            return value;
        }

        void skip(int n) {
            bits(n);
        }

        int ue() {
            int zeros = 0;
            while (!bit()) {
                if (++zeros > 31) {
                    throw new IllegalArgumentException("Exp-Golomb code too long");
                }
            }
            return (int) ((1L << zeros) - 1 + (zeros == 0 ? 0 : Integer.toUnsignedLong(bits(zeros))));
        }

        int se() {
            int k = ue();
            return (k & 1) == 1 ? (k + 1) / 2 : -(k / 2);
        }
    }
}
