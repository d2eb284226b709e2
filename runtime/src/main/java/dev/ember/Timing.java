package dev.ember;

/**
 * How long one phase of a generation took.
 *
 * @param tokens  tokens processed: prompt tokens evaluated (prefill) or tokens generated (decode)
 * @param seconds wall time spent on them
 */
public record Timing(int tokens, double seconds) {
    /** @return tokens per second, 0 if no time was measured */
    public double tokensPerSecond() {
        return seconds > 0 ? tokens / seconds : 0;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%d tokens in %.3f s (%.1f tok/s)", tokens, seconds,
                tokensPerSecond());
    }
}
