package dev.ember.tokenizer;

import dev.ember.EmberException;
import org.agrona.collections.IntArrayList;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Byte-level BPE, {@code tokenizer.ggml.model = gpt2}, with llama.cpp's semantics
 * ({@code llm_tokenizer_bpe}): special tokens are cut out first ({@link SpecialTokenSplitter}),
 * each remaining fragment is split into words by the {@link PreTokenizer} of
 * {@code tokenizer.ggml.pre}, each word's UTF-8 bytes become GPT-2's stand-in characters
 * ({@link ByteLevelAlphabet}), and merges ranked by their index in {@code tokenizer.ggml.merges}
 * join them ({@link BpeWordMerger}). BOS/EOS are added per {@link Vocabulary#addBos()} and
 * {@link Vocabulary#addEos()}.
 *
 * <pre>
 * Tokenizer tok = new BpeTokenizer(Vocabulary.fromGguf(gguf.metadata()));
 * int[] ids = tok.encode("Hello world", true, true);
 * String text = tok.decode(ids);
 * </pre>
 *
 * <p>Text is not normalized (llama.cpp does not). An unpaired surrogate in the input is read as
 * U+FFFD, as llama.cpp reads invalid UTF-8. Immutable and thread-safe: encode and decode allocate
 * only their own scratch.
 */
public final class BpeTokenizer implements Tokenizer {
    private static final byte[] EMPTY = new byte[0];

    private final Vocabulary vocabulary;
    private final PreTokenizer preTokenizer;
    private final TokenLookup lookup;
    private final BpeMergeRanks ranks;
    private final SpecialTokenSplitter splitter;
    private final int[] charTokens;  // token of each single stand-in char, or -1
    private final byte[][] pieces;   // every token's bytes as rendered with special = true

    /**
     * Builds the tokenizer: merge table, pre-tokenizer and rendered pieces.
     *
     * @param vocabulary a {@code gpt2} vocabulary with merges
     * @throws EmberException if the vocabulary is not byte-level BPE, has no merges, asks for a BOS or
     *                        EOS it does not define, or names a pre-tokenizer llama.cpp does not know
     */
    public BpeTokenizer(Vocabulary vocabulary) {
        if (!vocabulary.model().equals("gpt2")) {
            throw new EmberException("BpeTokenizer needs tokenizer.ggml.model = gpt2, not '"
                    + vocabulary.model() + "'");
        }
        if (vocabulary.merges().length == 0) {
            throw new EmberException("byte-level BPE vocabulary without tokenizer.ggml.merges");
        }
        if (vocabulary.addBos() && vocabulary.bos() == Vocabulary.NONE) {
            throw new EmberException("tokenizer.ggml.add_bos_token is true but tokenizer.ggml.bos_token_id is not set");
        }
        if (vocabulary.addEos() && vocabulary.eos() == Vocabulary.NONE) {
            throw new EmberException("tokenizer.ggml.add_eos_token is true but tokenizer.ggml.eos_token_id is not set");
        }
        this.vocabulary = vocabulary;
        this.preTokenizer = PreTokenizer.forName(vocabulary.pre());
        this.lookup = new TokenLookup(vocabulary);
        this.ranks = new BpeMergeRanks(vocabulary.merges(), lookup);
        this.splitter = new SpecialTokenSplitter(vocabulary);
        this.charTokens = new int[ByteLevelAlphabet.LIMIT];
        Arrays.fill(charTokens, Vocabulary.NONE);
        for (int b = 0; b < 256; b++) {
            char c = ByteLevelAlphabet.encode(b);
            charTokens[c] = vocabulary.id(String.valueOf(c));
        }
        this.pieces = new byte[vocabulary.size()][];
        for (int id = 0; id < pieces.length; id++) {
            pieces[id] = render(id);
        }
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntArrayList out = new IntArrayList(Math.max(8, text.length() / 3), -1);
        if (addSpecial && vocabulary.addBos()) {
            out.addInt(vocabulary.bos());
        }
        BpeWordMerger merger = new BpeWordMerger(lookup, ranks, charTokens, preTokenizer.ignoreMerges());
        for (SpecialTokenSplitter.Fragment fragment : splitter.split(text, parseSpecial)) {
            if (fragment.isText()) {
                encodeFragment(fragment.text(), merger, out);
            } else {
                out.addInt(fragment.token());
            }
        }
        if (addSpecial && vocabulary.addEos()) {
            out.addInt(vocabulary.eos());
        }
        return out.toIntArray();
    }

    private void encodeFragment(String text, BpeWordMerger merger, IntArrayList out) {
        int[] cps = codePoints(text);
        IntArrayList words = preTokenizer.split(cps);
        // the whole fragment in stand-in chars; word i covers stand-ins [at[first cp], at[end cp])
        char[] mapped = new char[cps.length * 4];
        int[] at = new int[cps.length + 1];
        for (int i = 0; i < cps.length; i++) {
            at[i + 1] = ByteLevelAlphabet.encodeCodePoint(cps[i], mapped, at[i]);
        }
        String standIns = new String(mapped, 0, at[cps.length]);
        int start = 0;
        for (int w = 0; w < words.size(); w++) {
            int end = start + words.getInt(w);
            merger.encode(standIns, at[start], at[end], out);
            start = end;
        }
    }

    @Override
    public byte[] decodePiece(int token, boolean special) {
        return piece(token, special).clone();
    }

    private byte[] piece(int token, boolean special) {
        if (token < 0 || token >= pieces.length) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary [0, "
                    + pieces.length + ")");
        }
        TokenType type = vocabulary.type(token);
        if (!special && (type == TokenType.CONTROL || type == TokenType.UNKNOWN)) {
            return EMPTY;
        }
        return pieces[token];
    }

    @Override
    public String decode(int[] tokens) {
        return Detokenizer.detokenize(this, tokens, vocabulary.addSpacePrefix(), preTokenizer.cleanSpaces());
    }

    @Override
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** @return the pre-tokenizer of {@code tokenizer.ggml.pre} */
    public PreTokenizer preTokenizer() {
        return preTokenizer;
    }

    /** llama.cpp's {@code token_to_piece(special = true)} for byte-level BPE. */
    private byte[] render(int id) {
        String text = vocabulary.token(id);
        return switch (vocabulary.type(id)) {
            case CONTROL, UNKNOWN, USER_DEFINED -> text.getBytes(StandardCharsets.UTF_8);
            case NORMAL -> unmap(text);
            // llama.cpp c392e50 renders BYTE, UNUSED and UNDEFINED tokens of a BPE vocabulary as nothing
            default -> EMPTY;
        };
    }

    /**
     * Stand-in characters back to bytes. A character outside the alphabet renders as llama.cpp
     * renders it: {@code [UNK_BYTE_0x<its UTF-8 in hex><the whole token>]}.
     */
    private static byte[] unmap(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            int b = ByteLevelAlphabet.decode(cp);
            if (b >= 0) {
                out.write(b);
            } else {
                byte[] utf8 = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                String marker = "[UNK_BYTE_0x" + HexFormat.of().formatHex(utf8) + text + "]";
                out.writeBytes(marker.getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }

    /** @return the code points of text, with unpaired surrogates read as U+FFFD */
    static int[] codePoints(String text) {
        int[] cps = text.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            if (cps[i] >= Character.MIN_SURROGATE && cps[i] <= Character.MAX_SURROGATE) {
                cps[i] = 0xFFFD;
            }
        }
        return cps;
    }
}
