package io.vodpack.upload.resumable;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * SHA-256 (FIPS 180-4) whose running state can be saved and restored ({@link #state()}, {@link #restore}): the
 * state of a resumable upload kept in a bucket is written to PostgreSQL with its offset, so that any replica can go
 * on hashing where the last PATCH stopped without reading the bytes again (the parts of an unfinished multipart
 * upload cannot be read). The JDK's SHA-256 cannot export its state; this one is plain Java and slower, which only
 * resumable uploads to a bucket pay.
 */
public final class ResumableSha256 extends MessageDigest implements Cloneable {

    private static final int[] K = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2 };
    private static final int[] INITIAL = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    /** Saved state: version, 8 words, byte count, then the buffered bytes of an unfinished block. */
    private static final byte VERSION = 1;

    private int[] h = INITIAL.clone();
    private byte[] block = new byte[64];
    private int buffered;
    private long count;
    private final int[] w = new int[64];

    public ResumableSha256() {
        super("SHA-256");
    }

    /** A digest that goes on from a {@link #state()}. */
    public static ResumableSha256 restore(byte[] state) {
        ByteBuffer b = ByteBuffer.wrap(state);
        if (state.length < 1 + 32 + 8 || b.get() != VERSION) {
            throw new IllegalArgumentException("not a saved SHA-256 state");
        }
        ResumableSha256 digest = new ResumableSha256();
        for (int i = 0; i < 8; i++) {
            digest.h[i] = b.getInt();
        }
        digest.count = b.getLong();
        digest.buffered = b.remaining();
        if (digest.buffered != (int) (digest.count & 63)) {
            throw new IllegalArgumentException("a saved SHA-256 state with a damaged block");
        }
        b.get(digest.block, 0, digest.buffered);
        return digest;
    }

    /** The running state, to {@link #restore} later (at most 105 bytes). */
    public byte[] state() {
        ByteBuffer b = ByteBuffer.allocate(1 + 32 + 8 + buffered);
        b.put(VERSION);
        for (int word : h) {
            b.putInt(word);
        }
        b.putLong(count);
        b.put(block, 0, buffered);
        return b.array();
    }

    /** Bytes hashed so far. */
    public long count() {
        return count;
    }

    @Override
    protected void engineUpdate(byte input) {
        block[buffered++] = input;
        count++;
        if (buffered == 64) {
            compress(block, 0);
            buffered = 0;
        }
    }

    @Override
    protected void engineUpdate(byte[] input, int offset, int len) {
        count += len;
        if (buffered > 0) {
            int n = Math.min(len, 64 - buffered);
            System.arraycopy(input, offset, block, buffered, n);
            buffered += n;
            offset += n;
            len -= n;
            if (buffered < 64) {
                return;
            }
            compress(block, 0);
            buffered = 0;
        }
        while (len >= 64) {
            compress(input, offset);
            offset += 64;
            len -= 64;
        }
        System.arraycopy(input, offset, block, 0, len);
        buffered = len;
    }

    @Override
    protected void engineUpdate(ByteBuffer input) {
        if (input.hasArray()) {
            int n = input.remaining();
            engineUpdate(input.array(), input.arrayOffset() + input.position(), n);
            input.position(input.limit());
            return;
        }
        byte[] chunk = new byte[Math.min(input.remaining(), 64 << 10)];
        while (input.hasRemaining()) {
            int n = Math.min(chunk.length, input.remaining());
            input.get(chunk, 0, n);
            engineUpdate(chunk, 0, n);
        }
    }

    @Override
    protected byte[] engineDigest() {
        long bits = count << 3;
        engineUpdate((byte) 0x80);
        while (buffered != 56) {
            engineUpdate((byte) 0);
        }
        for (int i = 7; i >= 0; i--) {
            engineUpdate((byte) (bits >>> (i * 8)));
        }
        ByteBuffer out = ByteBuffer.allocate(32);
        for (int word : h) {
            out.putInt(word);
        }
        engineReset();
        return out.array();
    }

    @Override
    protected int engineGetDigestLength() {
        return 32;
    }

    @Override
    protected void engineReset() {
        h = INITIAL.clone();
        Arrays.fill(block, (byte) 0);
        buffered = 0;
        count = 0;
    }

    @Override
    public Object clone() {
        ResumableSha256 copy = restore(state());
        return copy;
    }

    private void compress(byte[] in, int off) {
        for (int t = 0; t < 16; t++) {
            int i = off + t * 4;
            w[t] = (in[i] << 24) | ((in[i + 1] & 0xff) << 16) | ((in[i + 2] & 0xff) << 8) | (in[i + 3] & 0xff);
        }
        for (int t = 16; t < 64; t++) {
            int x = w[t - 15];
            int y = w[t - 2];
            int s0 = Integer.rotateRight(x, 7) ^ Integer.rotateRight(x, 18) ^ (x >>> 3);
            int s1 = Integer.rotateRight(y, 17) ^ Integer.rotateRight(y, 19) ^ (y >>> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        int a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        for (int t = 0; t < 64; t++) {
            int s1 = Integer.rotateRight(e, 6) ^ Integer.rotateRight(e, 11) ^ Integer.rotateRight(e, 25);
            int ch = (e & f) ^ (~e & g);
            int t1 = hh + s1 + ch + K[t] + w[t];
            int s0 = Integer.rotateRight(a, 2) ^ Integer.rotateRight(a, 13) ^ Integer.rotateRight(a, 22);
            int maj = (a & b) ^ (a & c) ^ (b & c);
            int t2 = s0 + maj;
            hh = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
        h[5] += f;
        h[6] += g;
        h[7] += hh;
    }
}
