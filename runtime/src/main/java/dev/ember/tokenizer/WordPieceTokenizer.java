package dev.ember.tokenizer;

import org.agrona.collections.IntArrayList;

import java.text.Normalizer;

/**
 * The WordPiece tokenizer of {@code tokenizer.ggml.model = bert} vocabularies, exactly as
 * llama.cpp's {@code llm_tokenizer_wpm} runs it:
 * <ol>
 *   <li>special tokens are cut out of the text first ({@link SpecialTokenSplitter});</li>
 *   <li>each raw fragment is split into words: every code point is replaced by the first code point
 *       of its NFD (which drops accents) and lower-cased; whitespace ends a word; control
 *       characters, NUL and U+FFFD are dropped; punctuation, ASCII symbols and CJK ideographs
 *       become one-character words;</li>
 *   <li>each word, prefixed with {@code ▁}, is cut greedily into the longest tokens from the left
 *       (llama.cpp's converter stores word-initial pieces as {@code ▁piece} and continuation pieces
 *       without BERT's {@code ##}); if some position matches nothing, the whole word becomes the
 *       unknown token.</li>
 * </ol>
 * With special tokens, CLS (llama.cpp's BOS for BERT) comes first and SEP last.
 *
 * <p>Immutable and thread-safe.
 */
public final class WordPieceTokenizer implements Tokenizer {
    private static final char WORD_PREFIX = '\u2581';

    private final Vocabulary vocabulary;
    private final TokenLookup lookup;
    private final SpecialTokenSplitter splitter;

    /**
     * @param vocabulary a vocabulary whose model is {@code bert}
     */
    public WordPieceTokenizer(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
        this.lookup = new TokenLookup(vocabulary);
        this.splitter = new SpecialTokenSplitter(vocabulary);
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntArrayList out = new IntArrayList();
        if (addSpecial) {
            out.addInt(SentencePieceTokenizer.required(vocabulary.bos(), "BOS (CLS)", "add_bos_token"));
        }
        StringBuilder word = new StringBuilder().append(WORD_PREFIX);
        for (SpecialTokenSplitter.Fragment fragment : splitter.split(text, parseSpecial)) {
            if (fragment.isText()) {
                tokenizeFragment(fragment.text(), word, out);
            } else {
                out.addInt(fragment.token());
            }
        }
        if (addSpecial) {
            out.addInt(SentencePieceTokenizer.required(vocabulary.sep(), "SEP", "add_sep_token"));
        }
        return out.toIntArray();
    }

    /** Splits one raw fragment into words (llama.cpp's {@code preprocess}) and tokenizes each as it ends. */
    private void tokenizeFragment(String text, StringBuilder word, IntArrayList out) {
        word.setLength(1); // just the ▁ prefix
        for (int i = 0; i < text.length(); ) {
            int original = text.codePointAt(i);
            i += Character.charCount(original);
            int cp = nfdFirst(original);
            int flags = UnicodeFlags.of(cp);
            if ((flags & UnicodeFlags.WHITESPACE) != 0) {
                endWord(word, out);
                continue;
            }
            if (cp == 0 || cp == 0xFFFD || (flags & UnicodeFlags.CONTROL) != 0) {
                continue;
            }
            // the simple one-to-one lower-case mapping of UnicodeData, as llama.cpp's unicode_tolower
            int lower = Character.toLowerCase(cp);
            if ((flags & UnicodeFlags.PUNCTUATION) != 0 || (cp < 0x7F && (flags & UnicodeFlags.SYMBOL) != 0)
                    || isChinese(cp)) {
                endWord(word, out);
                word.appendCodePoint(lower);
                endWord(word, out);
            } else {
                word.appendCodePoint(lower);
            }
        }
        endWord(word, out);
    }

    /** Tokenizes the word in {@code word} (after its ▁ prefix), if any, and empties it. */
    private void endWord(StringBuilder word, IntArrayList out) {
        int n = word.length();
        if (n == 1) {
            return; // empty words are skipped
        }
        int before = out.size();
        // llama.cpp walks bytes and caps candidates at the longest token in bytes; walking chars capped
        // at the longest token in chars tries a superset of lengths and finds the same longest match
        for (int i = 0; i < n; ) {
            int j = Math.min(n, i + lookup.maxLength());
            int token = Vocabulary.NONE;
            for (; j > i; j--) {
                token = lookup.find(word, i, j);
                if (token >= 0) {
                    break;
                }
            }
            if (token < 0) {
                // one position matched nothing: the whole word is unknown
                while (out.size() > before) {
                    out.popInt();
                }
                break;
            }
            out.addInt(token);
            i = j;
        }
        if (out.size() == before) {
            out.addInt(vocabulary.unk());
        }
        word.setLength(1);
    }

    /**
     * llama.cpp's {@code unicode_cpts_normalize_nfd} for one code point: not a real decomposition
     * but the <em>first</em> code point of the NFD, so {@code é} becomes {@code e} (the accent is
     * gone, not split off) and a Hangul syllable becomes its leading jamo.
     */
    static int nfdFirst(int cp) {
        if (cp < 0xC0) {
            return cp; // nothing below U+00C0 has a canonical decomposition
        }
        String s = Character.toString(cp);
        return Normalizer.isNormalized(s, Normalizer.Form.NFD) ? cp
                : Normalizer.normalize(s, Normalizer.Form.NFD).codePointAt(0);
    }

    /** llama.cpp's CJK ranges for BERT (the one at U+2B920 mirrors the HF Rust code, not Unicode). */
    private static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /** Same rules as SentencePiece: {@code ▁} renders as a space, control tokens only if {@code special}. */
    @Override
    public byte[] decodePiece(int token, boolean special) {
        return SentencePieceTokenizer.piece(vocabulary, token, special);
    }

    /**
     * As llama.cpp: pieces concatenated (so the text starts with the first word's space) and then
     * its {@code clean_spaces} passes, which BERT vocabularies turn on.
     */
    @Override
    public String decode(int[] tokens) {
        return Detokenizer.detokenize(this, tokens, vocabulary.addSpacePrefix(), true);
    }

    @Override
    public Vocabulary vocabulary() {
        return vocabulary;
    }
}
