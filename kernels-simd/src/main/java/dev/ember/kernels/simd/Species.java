package dev.ember.kernels.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species every SIMD kernel uses, chosen once: the platform's preferred width, or the width
 * named by {@code -Dember.vectorBits=128|256|512} so tests on a wide machine also run the narrow paths.
 * All species share one shape, so conversions between them (byte -> short -> int -> float) are
 * lane-count changes the JIT maps onto single instructions.
 */
public final class Species {
    /** Vector width in bits. */
    public static final int BITS = chooseBits();
    /** The shape of every species below. */
    public static final VectorShape SHAPE = VectorShape.forBitSize(BITS);
    /** Floats per vector (4, 8 or 16). */
    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.withShape(SHAPE);
    /** Ints per vector. */
    public static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(SHAPE);
    /** Shorts per vector. */
    public static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED.withShape(SHAPE);
    /** Bytes per vector. */
    public static final VectorSpecies<Byte> B = ByteVector.SPECIES_PREFERRED.withShape(SHAPE);

    private Species() {
    }

    private static int chooseBits() {
        int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        String forced = System.getProperty("ember.vectorBits");
        if (forced == null || forced.isBlank()) {
            return preferred;
        }
        int bits;
        try {
            bits = Integer.parseInt(forced.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("ember.vectorBits must be 128, 256 or 512, got '" + forced + "'");
        }
        if (bits != 128 && bits != 256 && bits != 512) {
            throw new IllegalArgumentException("ember.vectorBits must be 128, 256 or 512, got " + bits);
        }
        if (bits > preferred) {
            throw new IllegalArgumentException("ember.vectorBits=" + bits + " is wider than this CPU's "
                    + preferred + "-bit vectors");
        }
        return bits;
    }
}
