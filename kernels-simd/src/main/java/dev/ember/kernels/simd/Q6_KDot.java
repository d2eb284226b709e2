package dev.ember.kernels.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.ember.kernels.simd.Q4_KDot.BH;
import static dev.ember.kernels.simd.Q4_KDot.F;
import static dev.ember.kernels.simd.Q4_KDot.I;
import static dev.ember.kernels.simd.Q4_KDot.LE_FLOAT;
import static dev.ember.kernels.simd.Q4_KDot.LE_SHORT;
import static dev.ember.kernels.simd.Q4_KDot.Q8K_BLOCK_BYTES;
import static dev.ember.kernels.simd.Q4_KDot.S;
import static dev.ember.kernels.simd.Q4_KDot.STEP;
import static dev.ember.kernels.simd.Q4_KDot.WIDE;

/**
 * Q6_K weights dotted with Q8_K activations on the Vector API; the same result as
 * {@link dev.ember.tensor.quant.Q6_K#dot}, bit for bit, by {@link Q4_KDot}'s accumulation order.
 *
 * <p>Super-block layout (210 bytes per 256 values; see {@link dev.ember.tensor.quant.Q6_K}): ql[128] low
 * nibbles, qh[64] high 2-bit pairs, scales[16] (int8), d (fp16). Two halves h of 128 values; in half h,
 * value 32k + l (k in 0..3, l in 0..31) takes its low nibble from ql[64h + l] (k = 0 low, k = 2 high nibble)
 * or ql[64h + 32 + l] (k = 1 low, k = 3 high), bits 2k..2k+1 of qh[32h + l] as bits 4..5, and its scale
 * from scales[8h + 2k + l / 16]. The quant is that 6-bit level minus 32. Sixteen values share a scale, so
 * each load of {@link Q4_KDot#STEP} (16 or 8) bytes of ql and qh lies inside one sub-block for each k; each
 * product (at most |32 * 128|) is widened to ints and scaled on its own.
 */
public final class Q6_KDot {
    /** Bytes per Q6_K super-block. */
    private static final int BLOCK_BYTES = 210;

    private Q6_KDot() {
    }

    /**
     * The dot product of n values (a multiple of 256) of Q6_K weights at byte {@code wOff} of {@code w} with a
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
        for (int b = 0; b < blocks; b++) {
            long wb = wOff + (long) b * BLOCK_BYTES;
            long ab = aOff + (long) b * Q8K_BLOCK_BYTES;
            IntVector lo = IntVector.zero(I);
            IntVector hi = IntVector.zero(I);
            for (int h = 0; h < 2; h++) {
                long ql = wb + 64 * h;
                long qh = wb + 128 + 32 * h;
                long sc = wb + 192 + 8 * h;
                long qa = ab + 4 + 128 * h;
                for (int c = 0; c < 32; c += STEP) { // l = c .. c + STEP - 1, inside one 16-value sub-block
                    ByteVector ql0 = ByteVector.fromMemorySegment(BH, w, ql + c, ByteOrder.LITTLE_ENDIAN);
                    ByteVector ql1 = ByteVector.fromMemorySegment(BH, w, ql + 32 + c, ByteOrder.LITTLE_ENDIAN);
                    ByteVector bits = ByteVector.fromMemorySegment(BH, w, qh + c, ByteOrder.LITTLE_ENDIAN);
                    // levels minus 32, k = 0..3: nibble | bits 2k..2k+1 of qh as bits 4..5, formed in shorts,
                    // where AVX2 has shifts (it has none for bytes); ASHR then AND undoes the sign extension
                    ShortVector l0 = (ShortVector) ql0.convertShape(VectorOperators.B2S, S, 0);
                    ShortVector l1 = (ShortVector) ql1.convertShape(VectorOperators.B2S, S, 0);
                    ShortVector hb = (ShortVector) bits.convertShape(VectorOperators.B2S, S, 0);
                    ShortVector q0 = l0.and((short) 0x0F)
                            .or(hb.and((short) 0x03).lanewise(VectorOperators.LSHL, 4)).sub((short) 32);
                    ShortVector q1 = l1.and((short) 0x0F)
                            .or(hb.and((short) 0x0C).lanewise(VectorOperators.LSHL, 2)).sub((short) 32);
                    ShortVector q2 = l0.lanewise(VectorOperators.ASHR, 4).and((short) 0x0F)
                            .or(hb.and((short) 0x30)).sub((short) 32);
                    ShortVector q3 = l1.lanewise(VectorOperators.ASHR, 4).and((short) 0x0F)
                            .or(hb.lanewise(VectorOperators.ASHR, 2).and((short) 0x30)).sub((short) 32);
                    ShortVector p0 = q0.mul((ShortVector) ByteVector.fromMemorySegment(BH, a, qa + c,
                            ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2S, S, 0));
                    ShortVector p1 = q1.mul((ShortVector) ByteVector.fromMemorySegment(BH, a, qa + 32 + c,
                            ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2S, S, 0));
                    ShortVector p2 = q2.mul((ShortVector) ByteVector.fromMemorySegment(BH, a, qa + 64 + c,
                            ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2S, S, 0));
                    ShortVector p3 = q3.mul((ShortVector) ByteVector.fromMemorySegment(BH, a, qa + 96 + c,
                            ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2S, S, 0));
                    int s0 = w.get(ValueLayout.JAVA_BYTE, sc + c / 16);
                    int s1 = w.get(ValueLayout.JAVA_BYTE, sc + 2 + c / 16);
                    int s2 = w.get(ValueLayout.JAVA_BYTE, sc + 4 + c / 16);
                    int s3 = w.get(ValueLayout.JAVA_BYTE, sc + 6 + c / 16);
                    // int halves: at 256 bits both hold classes 0..7 (sum them, then scale once); at 128 bits
                    // the low half holds classes 0..3 and the high half 4..7
                    if (WIDE) {
                        lo = lo.add(((IntVector) p0.convertShape(VectorOperators.S2I, I, 0))
                                        .add((IntVector) p0.convertShape(VectorOperators.S2I, I, 1)).mul(s0))
                                .add(((IntVector) p1.convertShape(VectorOperators.S2I, I, 0))
                                        .add((IntVector) p1.convertShape(VectorOperators.S2I, I, 1)).mul(s1))
                                .add(((IntVector) p2.convertShape(VectorOperators.S2I, I, 0))
                                        .add((IntVector) p2.convertShape(VectorOperators.S2I, I, 1)).mul(s2))
                                .add(((IntVector) p3.convertShape(VectorOperators.S2I, I, 0))
                                        .add((IntVector) p3.convertShape(VectorOperators.S2I, I, 1)).mul(s3));
                    } else {
                        lo = lo.add(((IntVector) p0.convertShape(VectorOperators.S2I, I, 0)).mul(s0))
                                .add(((IntVector) p1.convertShape(VectorOperators.S2I, I, 0)).mul(s1))
                                .add(((IntVector) p2.convertShape(VectorOperators.S2I, I, 0)).mul(s2))
                                .add(((IntVector) p3.convertShape(VectorOperators.S2I, I, 0)).mul(s3));
                        hi = hi.add(((IntVector) p0.convertShape(VectorOperators.S2I, I, 1)).mul(s0))
                                .add(((IntVector) p1.convertShape(VectorOperators.S2I, I, 1)).mul(s1))
                                .add(((IntVector) p2.convertShape(VectorOperators.S2I, I, 1)).mul(s2))
                                .add(((IntVector) p3.convertShape(VectorOperators.S2I, I, 1)).mul(s3));
                    }
                }
            }
            float d = Float.float16ToFloat(w.get(LE_SHORT, wb + 208)) * a.get(LE_FLOAT, ab);
            if (WIDE) {
                sumLo = sumLo.add(((FloatVector) lo.add(hi).convert(VectorOperators.I2F, 0)).mul(d));
            } else {
                sumLo = sumLo.add(((FloatVector) lo.convert(VectorOperators.I2F, 0)).mul(d));
                sumHi = sumHi.add(((FloatVector) hi.convert(VectorOperators.I2F, 0)).mul(d));
            }
        }
        // the eight class sums in class order, as the scalar dot adds them
        float sum = 0f;
        for (int i = 0; i < F.length(); i++) {
            sum += sumLo.lane(i);
        }
        for (int i = 0; !WIDE && i < F.length(); i++) {
            sum += sumHi.lane(i);
        }
        return sum;
    }
}
