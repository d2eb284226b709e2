package dev.ember.kernels.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q4_K weights dotted with Q8_K activations on the Vector API; the same result as
 * {@link dev.ember.tensor.quant.Q4_K#dot}, bit for bit, at 128 and 256 bits.
 *
 * <p>Super-block layout (144 bytes per 256 values; see {@link dev.ember.tensor.quant.Q4_K}): d (fp16),
 * dmin (fp16), 12 bytes of packed 6-bit scales and mins, then qs[128] where byte 32p + l holds value
 * 64p + l in its low nibble and value 64p + 32 + l in its high nibble. So one 32-byte run of qs feeds
 * two sub-blocks of 32: the low nibbles with scale 2p, the high nibbles with scale 2p + 1.
 *
 * <p>Accumulation order, and why it matches the scalar oracle exactly: the scalar dot keeps eight integer
 * lanes per super-block (lane c sums the values whose index is c mod 8), scales each by d * da into its own
 * float sum, and adds the eight sums in lane order at the end. Here {@link #STEP} quants at a time (16 at
 * 256 bits, 8 at 128) are widened to one short vector and multiplied by their int8 activations; the short
 * lanes of one 32-value sub-block are summed (at most four products of |31 * 128| per lane: no overflow), so
 * short lane i holds one index class mod 8. Widened to ints, the two halves hold classes 0..7 twice (256
 * bits: added, then multiplied by the sub-block scale) or classes 0..3 and 4..7 (128 bits: kept in two
 * vectors). So every int lane is exactly one scalar lane sum, and converting, scaling by d * da and adding
 * in float repeats the scalar operations in the same order. The min term, dmin * da * sum(bsum * m), uses
 * the activation's bsums as the scalar code does.
 *
 * <p>{@link Q5_KDot} and {@link Q6_KDot} share this class's species and layouts. Their bodies are inlined
 * by hand rather than built from small vector helpers: once the Vector API expands, the body is too large
 * for C2 to inline every helper, and a vector passed to a call that is not inlined is boxed (about 700 bytes
 * of garbage per super-block when tried).
 */
public final class Q4_KDot {
    /**
     * Vector shape of the K-quant kernels: the species width, capped at 256 bits. The 32-value sub-blocks
     * and the 8-lane class order leave nothing for 512-bit vectors to add without a different block walk.
     */
    static final VectorShape SHAPE = Species.BITS > 256 ? VectorShape.S_256_BIT : Species.SHAPE;
    /** Shorts of {@link #SHAPE}: 16 or 8 lanes. */
    static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED.withShape(SHAPE);
    /** Ints of {@link #SHAPE}: 8 or 4 lanes. */
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(SHAPE);
    /** Floats of {@link #SHAPE}: 8 or 4 lanes. */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.withShape(SHAPE);
    /** True at 256 bits: one int vector holds all eight index classes; at 128 bits two vectors hold 0..3, 4..7. */
    static final boolean WIDE = I.length() == 8;
    /**
     * Bytes of half the shape (16 or 8): one load of quants or activations, widened to exactly one short
     * vector, so every short lane holds one value and classes mod 8 stay in place.
     */
    static final VectorSpecies<Byte> BH = ByteVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(SHAPE.vectorBitSize() / 2));
    /** Values per load: 16 at 256 bits, 8 at 128 bits. */
    static final int STEP = BH.length();

    /** Little-endian views of the blocks' scalar fields (fp16 scales, packed 6-bit scales, Q8_K's d). */
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Bytes per Q4_K super-block. */
    private static final int BLOCK_BYTES = 144;
    /** Bytes per Q8_K super-block: d (float32), qs[256] (int8), bsums[16] (int16). */
    static final int Q8K_BLOCK_BYTES = 292;

    private Q4_KDot() {
    }

    /**
     * The dot product of n values (a multiple of 256) of Q4_K weights at byte {@code wOff} of {@code w} with a
     * Q8_K activation at byte {@code aOff} of {@code a}. Super-blocks are whole, so there is no scalar tail.
     */
    public static float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        return dotBody(w, wOff, a, aOff, n / 256);
    }

    private static float dotBody(MemorySegment w, long wOff, MemorySegment a, long aOff, int blocks) {
        // inlined by hand (see the class comment): vectors passed to a call C2 declines to inline are boxed
        // two float accumulators: at 128 bits the eight index classes span two vectors (hi unused at 256)
        FloatVector sumLo = FloatVector.zero(F);
        FloatVector sumHi = FloatVector.zero(F);
        float minSum = 0f;
        for (int b = 0; b < blocks; b++) {
            long wb = wOff + (long) b * BLOCK_BYTES;
            long ab = aOff + (long) b * Q8K_BLOCK_BYTES;
            // 6-bit scales and mins unpacked four to an int, as ggml's utmp/kmask trick: scales 0..3 and mins
            // 0..3 are the low 6 bits of bytes 0..3 and 4..7; scales/mins 4..7 take the low/high nibble of
            // bytes 8..11 plus the top 2 bits of bytes 0..3 / 4..7
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
                long qs = wb + 16 + 32 * p;
                long qa = ab + 4 + 64 * p;
                // short lane i sums the products of values i, i + STEP, ...: one index class mod 8, at most
                // 32 / STEP <= 4 products of |15 * 128|, so no overflow
                ShortVector low = ShortVector.zero(S);
                ShortVector high = ShortVector.zero(S);
                for (int c = 0; c < 32; c += STEP) {
                    ByteVector q = ByteVector.fromMemorySegment(BH, w, qs + c, ByteOrder.LITTLE_ENDIAN);
                    ByteVector a0 = ByteVector.fromMemorySegment(BH, a, qa + c, ByteOrder.LITTLE_ENDIAN);
                    ByteVector a1 = ByteVector.fromMemorySegment(BH, a, qa + 32 + c, ByteOrder.LITTLE_ENDIAN);
                    // nibbles split in shorts, where AVX2 has shifts (it has none for bytes)
                    ShortVector qw = (ShortVector) q.convertShape(VectorOperators.B2S, S, 0);
                    ShortVector ql = qw.and((short) 0x0F);
                    ShortVector qu = qw.lanewise(VectorOperators.ASHR, 4).and((short) 0x0F);
                    low = low.add(ql.mul((ShortVector) a0.convertShape(VectorOperators.B2S, S, 0)));
                    high = high.add(qu.mul((ShortVector) a1.convertShape(VectorOperators.B2S, S, 0)));
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
            minSum -= dmin * minsDot(a, ab, mins03, mins47);
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

    /**
     * The mins' share of a super-block, sum over sub-blocks s of min_s * (bsums[2s] + bsums[2s + 1]) (Q8_K's
     * bsums, read as one int per pair), in ints; scalar, shared with {@link Q5_KDot}.
     *
     * @param mins03 the unpacked mins of sub-blocks 0..3, one per byte; {@code mins47} those of 4..7
     */
    static int minsDot(MemorySegment a, long ab, int mins03, int mins47) {
        int mins = 0;
        for (int s = 0; s < 8; s++) {
            int pair = a.get(LE_INT, ab + 4 + 256 + 4L * s);
            mins += ((s < 4 ? mins03 : mins47) >>> 8 * (s & 3) & 0xFF) * ((short) pair + (pair >> 16));
        }
        return mins;
    }
}
