package dev.ember.generate;

import java.util.List;

/**
 * Finds stop strings in generated text. A stop string may arrive split over several tokens, so the
 * text that could still be the start of one is held back from the listener until it either completes
 * the stop string (and is dropped) or stops matching (and is released).
 */
final class StopStrings {
    private final String[] stops;

    StopStrings(List<String> stops) {
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toArray(String[]::new);
    }

    /**
     * @param text the text so far
     * @param from where the text added since the last call starts (matches ending before it were checked)
     * @return the index of the earliest stop string that ends at or after {@code from}, or -1
     */
    int find(StringBuilder text, int from) {
        int best = -1;
        for (String stop : stops) {
            int at = text.indexOf(stop, Math.max(0, from - stop.length() + 1));
            if (at >= 0 && (best < 0 || at < best)) {
                best = at;
            }
        }
        return best;
    }

    /** @return how many chars at the end of {@code text} are a proper prefix of some stop string */
    int holdBack(CharSequence text) {
        int n = text.length();
        int longest = 0;
        for (String stop : stops) {
            for (int k = Math.min(stop.length() - 1, n); k > longest; k--) {
                if (endsWithPrefix(text, n, stop, k)) {
                    longest = k;
                    break;
                }
            }
        }
        return longest;
    }

    private static boolean endsWithPrefix(CharSequence text, int n, String stop, int k) {
        for (int i = 0; i < k; i++) {
            if (text.charAt(n - k + i) != stop.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    boolean isEmpty() {
        return stops.length == 0;
    }
}
