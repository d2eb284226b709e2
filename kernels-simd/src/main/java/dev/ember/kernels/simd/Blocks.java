package dev.ember.kernels.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The species and helpers of the 32-value block formats (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1). A block's integer
 * dot runs on shorts: {@link #SL} weight bytes and activation bytes at a time are widened to shorts
 * ({@code B2S}, one {@code vpmovsxbw}), multiplied, and summed in shorts or ints. Widths are capped at 256
 * bits because a chunk of nibble bytes must fit half a block (16 values).
 */
final class Blocks {
    /** Bits of the short vectors: the chosen width, at most 256. */
    static final int BITS = Math.min(Species.BITS, 256);
    /** Shorts per vector (8 or 16): the values one widened chunk holds. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(BITS));
    /** Bytes loaded per chunk, half the width, so that they widen to one short vector. */
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(BITS / 2));
    /** Ints of the same width, to sum shorts without overflow. */
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(BITS));
    /** Values per chunk. */
    static final int SL = S.length();
    /** Lane l holds 1 &lt;&lt; l: picks a value's bit out of a broadcast Q5 high-bit word. */
    static final ShortVector BIT = bitPerLane();

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** A block's 32-bit word (Q5's high bits), little-endian and unaligned. */
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);

    private Blocks() {
    }

    private static ShortVector bitPerLane() {
        short[] bits = new short[SL];
        for (int l = 0; l < SL; l++) {
            bits[l] = (short) (1 << l);
        }
        return ShortVector.fromArray(S, bits, 0);
    }

    /** @return SL signed bytes at {@code off}, widened to shorts */
    static ShortVector bytes(MemorySegment m, long off) {
        return (ShortVector) ByteVector.fromMemorySegment(B, m, off, LE).convertShape(VectorOperators.B2S, S, 0);
    }

    /** @return the exact sum of the lanes, which may exceed a short: the halves widened to ints first */
    static int sum(ShortVector v) {
        IntVector lo = (IntVector) v.convertShape(VectorOperators.S2I, I, 0);
        IntVector hi = (IntVector) v.convertShape(VectorOperators.S2I, I, 1);
        return lo.add(hi).reduceLanes(VectorOperators.ADD);
    }
}
