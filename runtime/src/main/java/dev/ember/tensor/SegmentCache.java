package dev.ember.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Function;

/**
 * Values derived from a tensor's bytes (a repacked copy, a transposed copy), cached per segment, weakly: they go
 * with the model. {@link MemorySegment#equals} compares addresses only, so a model closed and another mapped at
 * the same address would find the first one's copies in a plain map (and read a closed mapping, or another
 * model's weights); here an entry counts only for a live segment of the same scope and size it was made from.
 *
 * @param <V> the derived value
 */
public final class SegmentCache<V> {
    private record Entry<V>(MemorySegment.Scope scope, long size, V value) {
    }

    private final Map<MemorySegment, Entry<V>> map = Collections.synchronizedMap(new WeakHashMap<>());

    /** @return the value made from {@code key}'s bytes, or null */
    public V get(MemorySegment key) {
        Entry<V> e = map.get(key);
        return e != null && e.scope() == key.scope() && e.size() == key.byteSize() && key.scope().isAlive()
                ? e.value() : null;
    }

    /**
     * @return the value for {@code key}, made by {@code make} when there is none (outside the lock, so several
     *         tensors build at once; two racing callers may both build, one wins)
     */
    public V computeIfAbsent(MemorySegment key, Function<MemorySegment, V> make) {
        V v = get(key);
        return v != null ? v : putIfAbsent(key, make.apply(key));
    }

    /** @return the sum of {@code size} over the values of live entries (what the cache holds in memory) */
    public long sum(java.util.function.ToLongFunction<V> size) {
        synchronized (map) {
            long total = 0;
            for (Map.Entry<MemorySegment, Entry<V>> e : map.entrySet()) {
                if (e.getValue().scope().isAlive()) {
                    total += size.applyAsLong(e.getValue().value());
                }
            }
            return total;
        }
    }

    /** @return the value already there for {@code key}, else {@code value}, now stored */
    public V putIfAbsent(MemorySegment key, V value) {
        synchronized (map) {
            V there = get(key);
            if (there != null) {
                return there;
            }
            map.remove(key); // a stale entry's key is another (dead) segment: a put would keep it as the key
            map.put(key, new Entry<>(key.scope(), key.byteSize(), value));
            return value;
        }
    }
}
