package dev.ember.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** A cached copy is found for its own live segment only, not for another mapping at the same address. */
class SegmentCacheTest {
    @Test
    void onlyTheLiveSegmentItWasMadeFromFindsAValue() {
        SegmentCache<String> cache = new SegmentCache<>();
        MemorySegment first;
        try (Arena one = Arena.ofShared(); Arena two = Arena.ofShared()) {
            first = one.allocate(64, 64);
            assertEquals("one", cache.computeIfAbsent(first, s -> "one"));
            assertEquals("one", cache.computeIfAbsent(first, s -> "again"), "made once");
            // what a model mapped where a closed one was looks like: same address, another scope
            MemorySegment alias = MemorySegment.ofAddress(first.address()).reinterpret(64, two, null);
            assertEquals(first, alias, "MemorySegment.equals sees the same address: why the scope is checked");
            assertNull(cache.get(alias));
            assertNull(cache.get(first.asSlice(0, 32)), "another size");
            assertEquals("two", cache.computeIfAbsent(alias, s -> "two"));
            assertNull(cache.get(first), "the alias replaced it");
        }
        assertNull(cache.get(first), "a closed segment finds nothing");
    }
}
