package dev.ember.tokenizer;

/**
 * llama.cpp's {@code clean_spaces} pass over detokenized bytes (Hugging Face's
 * {@code clean_up_tokenization_spaces}), for vocabularies that ask for it: it removes the space
 * before {@code ? ! . ,}, the spaces around a lone {@code '}, and the space before {@code 's 'm
 * 're 've} (but not before {@code 't 'd 'll}). It is lossy by design, so text that contains these
 * patterns does not survive an encode/decode round trip with such a vocabulary.
 */
final class SpaceCleanup {
    private SpaceCleanup() {
    }

    /**
     * Cleans {@code buf[0, n)} in place, in llama.cpp's three passes.
     *
     * @return the new length
     */
    static int apply(byte[] buf, int n) {
        return contractions(loneQuotes(punctuation(buf, n), buf), buf);
    }

    // " ?", " !", " .", " ," lose their space
    private static int punctuation(byte[] t, int n) {
        int total = n > 0 ? 1 : 0;
        for (int i = 1; i < n; i++) {
            byte x = t[i];
            if (t[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) {
                total--;
            }
            t[total++] = x;
        }
        return total;
    }

    // " ' " becomes "'": the space before is dropped and the one after is skipped
    private static int loneQuotes(int n, byte[] t) {
        int total = n > 0 ? 1 : 0;
        for (int i = 1; i < n; i++) {
            byte x = t[i];
            if (x == '\'' && i + 1 < n && t[i - 1] == ' ' && t[i + 1] == ' ') {
                total--;
                t[++i] = 0; // llama.cpp blanks the skipped space, which the next comparison then sees
            }
            t[total++] = x;
        }
        return total;
    }

    // " 's", " 'm", " 're", " 've" lose their space
    private static int contractions(int n, byte[] t) {
        int total = n > 0 ? 1 : 0;
        for (int i = 1; i < n; i++) {
            byte x = t[i];
            if (t[i - 1] == ' ' && x == '\'' && i + 1 < n) {
                byte x1 = t[i + 1];
                if (x1 == 's' || x1 == 'm') {
                    total--;
                } else if (i + 2 < n && ((x1 == 'r' && t[i + 2] == 'e') || (x1 == 'v' && t[i + 2] == 'e'))) {
                    total--;
                }
            }
            t[total++] = x;
        }
        return total;
    }
}
