package dev.ember.kernels.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.ember.kernels.simd.Q4_KDot.BH;
import static dev.ember.kernels.simd.Q4_KDot.F;
import static dev.ember.kernels.simd.Q4_KDot.I;
import static dev.ember.kernels.simd.Q4_KDot.LE_FLOAT;
import static dev.ember.kernels.simd.Q4_KDot.LE_INT;
import static dev.ember.kernels.simd.Q4_KDot.LE_SHORT;
import static dev.ember.kernels.simd.Q4_KDot.Q8K_BLOCK_BYTES;
import static dev.ember.kernels.simd.Q4_KDot.S;
import static dev.ember.kernels.simd.Q4_KDot.STEP;
import static dev.ember.kernels.simd.Q4_KDot.WIDE;

/**
 * Q5_K weights dotted with Q8_K activations on the Vector API; the same result as
 * {@link dev.ember.tensor.quant.Q5_K#dot}, bit for bit, by {@link Q4_KDot}'s accumulation order.
 *
 * <p>Super-block layout (176 bytes per 256 values; see {@link dev.ember.tensor.quant.Q5_K}): d, dmin (fp16),
 * Q4_K's 12 bytes of packed 6-bit scales and mins, qh[32], then qs[128] laid out as Q4_K's. Value 64p + l
 * (l in 0..31) is the low nibble of qs[32p + l] plus bit 2p of qh[l] as its fifth bit; value 64p + 32 + l is
 * the high nibble plus bit 2p + 1. The quants are assembled in shorts (AVX2 has no byte shifts), with qh
 * shifted right by 2p for each 32-byte run of qs.
 */
public final class Q5_KDot {
    /** Bytes per Q5_K super-block. */
    private static final int BLOCK_BYTES = 176;

    private Q5_KDot() {
    }

    /**
     * The dot product of n values (a multiple of 256) of Q5_K weights at byte {@code wOff} of {@code w} with a
     * Q8_K activation at byte {@code aOff} of {@code a}. Super-blocks are whole, so there is no scalar tail.
     */
    public static float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        return dotBody(w, wOff, a, aOff, n / 256);
    }

    private static float dotBody(MemorySegment w, long wOff, MemorySegment a, long aOff, int blocks) {
        // inlined by hand, as Q4_KDot's body: vectors passed to a call C2 declines to inline are boxed
        // two float accumulators: at 128 bits the eight index classes span two vectors (hi unused at 256)
        FloatVector sumLo = FloatVector.zero(F);
        FloatVector sumHi = FloatVector.zero(F);
        float minSum = 0f;
        for (int b = 0; b < blocks; b++) {
            long wb = wOff + (long) b * BLOCK_BYTES;
            long ab = aOff + (long) b * Q8K_BLOCK_BYTES;
            // scales and mins packed as Q4_K's (see Q4_KDot)
            int u0 = w.get(LE_INT, wb + 4);
            int u1 = w.get(LE_INT, wb + 8);
            int u2 = w.get(LE_INT, wb + 12);
            int scales03 = u0 & 0x3f3f3f3f;
            int scales47 = u2 & 0x0f0f0f0f | (u0 >>> 6 & 0x03030303) << 4;
            int mins03 = u1 & 0x3f3f3f3f;
            int mins47 = u2 >>> 4 & 0x0f0f0f0f | (u1 >>> 6 & 0x03030303) << 4;

            IntVector lo = IntVector.zero(I);
            IntVector hi = IntVector.zero(I);
            for (int p = 0; p < 4; p++) {
                long qs = wb + 48 + 32 * p;
                long qa = ab + 4 + 64 * p;
                // short lane i sums the products of values i, i + STEP, ...: one index class mod 8, at most
                // 32 / STEP <= 4 products of |31 * 128|, so no overflow
                ShortVector low = ShortVector.zero(S);
                ShortVector high = ShortVector.zero(S);
                for (int c = 0; c < 32; c += STEP) {
                    ByteVector q = ByteVector.fromMemorySegment(BH, w, qs + c, ByteOrder.LITTLE_ENDIAN);
                    // fifth bits: bit 2p of qh[l] for the low nibbles, bit 2p + 1 for the high ones
                    ByteVector qh = ByteVector.fromMemorySegment(BH, w, wb + 16 + c, ByteOrder.LITTLE_ENDIAN);
                    ByteVector a0 = ByteVector.fromMemorySegment(BH, a, qa + c, ByteOrder.LITTLE_ENDIAN);
                    ByteVector a1 = ByteVector.fromMemorySegment(BH, a, qa + 32 + c, ByteOrder.LITTLE_ENDIAN);
                    // nibbles and fifth bits combined in shorts, where AVX2 has shifts (it has none for bytes)
                    ShortVector qw = (ShortVector) q.convertShape(VectorOperators.B2S, S, 0);
                    ShortVector hw = ((ShortVector) qh.convertShape(VectorOperators.B2S, S, 0))
                            .lanewise(VectorOperators.ASHR, 2 * p);
                    ShortVector q0 = qw.and((short) 0x0F).or(hw.and((short) 1).lanewise(VectorOperators.LSHL, 4));
                    ShortVector q1 = qw.lanewise(VectorOperators.ASHR, 4).and((short) 0x0F)
                            .or(hw.and((short) 2).lanewise(VectorOperators.LSHL, 3));
                    low = low.add(q0.mul((ShortVector) a0.convertShape(VectorOperators.B2S, S, 0)));
                    high = high.add(q1.mul((ShortVector) a1.convertShape(VectorOperators.B2S, S, 0)));
                }
                int packed = p < 2 ? scales03 : scales47;
                int scLow = packed >>> 16 * (p & 1) & 0xFF;
                int scHigh = packed >>> 16 * (p & 1) + 8 & 0xFF;
                // int halves: at 256 bits both hold classes 0..7 (sum them, then scale once); at 128 bits
                // the low half holds classes 0..3 and the high half 4..7
                IntVector l0 = (IntVector) low.convertShape(VectorOperators.S2I, I, 0);
                IntVector l1 = (IntVector) low.convertShape(VectorOperators.S2I, I, 1);
                IntVector h0 = (IntVector) high.convertShape(VectorOperators.S2I, I, 0);
                IntVector h1 = (IntVector) high.convertShape(VectorOperators.S2I, I, 1);
                if (WIDE) {
                    lo = lo.add(l0.add(l1).mul(scLow)).add(h0.add(h1).mul(scHigh));
                } else {
                    lo = lo.add(l0.mul(scLow)).add(h0.mul(scHigh));
                    hi = hi.add(l1.mul(scLow)).add(h1.mul(scHigh));
                }
            }
            float da = a.get(LE_FLOAT, ab);
            float d = Float.float16ToFloat(w.get(LE_SHORT, wb)) * da;
            if (WIDE) {
                sumLo = sumLo.add(((FloatVector) lo.add(hi).convert(VectorOperators.I2F, 0)).mul(d));
            } else {
                sumLo = sumLo.add(((FloatVector) lo.convert(VectorOperators.I2F, 0)).mul(d));
                sumHi = sumHi.add(((FloatVector) hi.convert(VectorOperators.I2F, 0)).mul(d));
            }
            float dmin = Float.float16ToFloat(w.get(LE_SHORT, wb + 2)) * da;
            // the mins' share: bsums[2s] and bsums[2s + 1] (one int) both take sub-block s's min
            minSum -= dmin * Q4_KDot.minsDot(a, ab, mins03, mins47);
        }
        // the eight class sums in class order, as the scalar dot adds them
        float sum = minSum;
        for (int i = 0; i < F.length(); i++) {
            sum += sumLo.lane(i);
        }
        for (int i = 0; !WIDE && i < F.length(); i++) {
            sum += sumHi.lane(i);
        }
        return sum;
    }
}
