package dev.ember.kernels.simd;

import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The species of the 32-value block formats' dots ({@link BlockDot}). Weight bytes, {@link #SL} at a time,
 * widen to one short vector ({@code B2S}, one {@code vpmovsxbw}); products sum in shorts, then in adjacent
 * pairs into the int lanes of the same width (the short vector reinterpreted as ints: high half arithmetic
 * shifted down, plus low half shifted up and back — what {@code vpmaddwd} does in one instruction, which the
 * Vector API does not expose), and those convert to float lanes. Widths are capped at 256 bits because a chunk
 * of nibble bytes must fit half a block (16 values).
 */
final class Blocks {
    /** Bits of the short, int and float vectors: the chosen width, at most 256. */
    static final int BITS = Math.min(Species.BITS, 256);
    /** Shorts per vector (8 or 16): the values one widened chunk holds. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(BITS));
    /** Bytes loaded per chunk, half the width, so that they widen to one short vector. */
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(BITS / 2));
    /** Ints of the same width: pair sums of the short lanes. */
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(BITS));
    /** Floats of the same width: the per-lane accumulators. */
    static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(BITS));
    /** Values per chunk. */
    static final int SL = S.length();
    /** Lane l holds 1 &lt;&lt; l: picks a value's bit out of a broadcast Q5 high-bit word. */
    static final ShortVector BIT = bitPerLane();

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** A block's fp16 scale, little-endian and unaligned. */
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
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
}
