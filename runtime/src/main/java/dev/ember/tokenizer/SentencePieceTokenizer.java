package dev.ember.tokenizer;

import dev.ember.EmberException;
import org.agrona.collections.IntArrayList;

import java.nio.charset.StandardCharsets;

/**
 * The SentencePiece tokenizer of {@code tokenizer.ggml.model = llama} vocabularies (Llama 2,
 * Mistral 7B, Phi-3, Gemma, TinyLlama, llama2.c), exactly as llama.cpp's {@code llm_tokenizer_spm}
 * runs it:
 * <ol>
 *   <li>special tokens are cut out of the text first ({@link SpecialTokenSplitter});</li>
 *   <li>each raw fragment gets a leading space if the vocabulary asks for one
 *       ({@code add_space_prefix}) and the fragment starts the text or follows a special token;</li>
 *   <li>spaces become {@code ▁} (U+2581) and the fragment is merged by token score
 *       ({@link SentencePieceMerge}), with byte fallback to {@code <0xNN>} tokens.</li>
 * </ol>
 * BOS/EOS are added around the result per the vocabulary's add-BOS/add-EOS flags.
 *
 * <p>Immutable and thread-safe.
 */
public final class SentencePieceTokenizer implements Tokenizer {
    private static final char ESCAPED_SPACE = '\u2581';
    private static final byte[] EMPTY = new byte[0];

    private final Vocabulary vocabulary;
    private final TokenLookup lookup;
    private final SpecialTokenSplitter splitter;
    private final int[] byteTokens; // token for each byte value, NONE if there is none

    /**
     * @param vocabulary a vocabulary whose model is {@code llama}
     */
    public SentencePieceTokenizer(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
        this.lookup = new TokenLookup(vocabulary);
        this.splitter = new SpecialTokenSplitter(vocabulary);
        this.byteTokens = new int[256];
        for (int b = 0; b < 256; b++) {
            int token = lookup.find(String.format("<0x%02X>", b), 0, 6);
            if (token < 0 && b < 0x80) {
                // llama.cpp's second choice: the byte itself as a one-character token
                token = lookup.find(String.valueOf((char) b), 0, 1);
            }
            // llama.cpp would abort here; the unknown token is the graceful stand-in
            byteTokens[b] = token >= 0 ? token : vocabulary.unk();
        }
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntArrayList out = new IntArrayList();
        boolean previousSpecial = true; // the text start counts as following a special token
        if (addSpecial && vocabulary.addBos()) {
            out.addInt(required(vocabulary.bos(), "BOS", "add_bos_token"));
        }
        StringBuilder escaped = new StringBuilder();
        for (SpecialTokenSplitter.Fragment fragment : splitter.split(text, parseSpecial)) {
            if (!fragment.isText()) {
                out.addInt(fragment.token());
                previousSpecial = true;
                continue;
            }
            escaped.setLength(0);
            if (vocabulary.addSpacePrefix() && previousSpecial) {
                escaped.append(ESCAPED_SPACE);
            }
            String raw = fragment.text();
            for (int i = 0; i < raw.length(); i++) {
                char c = raw.charAt(i);
                escaped.append(c == ' ' ? ESCAPED_SPACE : c);
            }
            SentencePieceMerge.tokenize(escaped, lookup, vocabulary, byteTokens, out);
            previousSpecial = false;
        }
        if (addSpecial && vocabulary.addEos()) {
            out.addInt(required(vocabulary.eos(), "EOS", "add_eos_token"));
        }
        return out.toIntArray();
    }

    static int required(int id, String name, String flag) {
        if (id == Vocabulary.NONE) {
            throw new EmberException("tokenizer: tokenizer.ggml." + flag + " is set but the vocabulary has no "
                    + name + " token");
        }
        return id;
    }

    @Override
    public byte[] decodePiece(int token, boolean special) {
        return piece(vocabulary, token, special);
    }

    /**
     * llama.cpp's {@code token_to_piece} for SentencePiece and WordPiece vocabularies: control and
     * unknown tokens give their text only when {@code special}; user-defined tokens give their text;
     * normal tokens give their text with {@code ▁} turned back into spaces; byte tokens give their
     * byte; unused and undefined tokens give nothing.
     */
    static byte[] piece(Vocabulary vocabulary, int token, boolean special) {
        if (token < 0 || token >= vocabulary.size()) {
            throw new EmberException("tokenizer: token id " + token + " is outside the vocabulary of "
                    + vocabulary.size() + " tokens");
        }
        String text = vocabulary.token(token);
        return switch (vocabulary.type(token)) {
            case CONTROL, UNKNOWN -> special ? text.getBytes(StandardCharsets.UTF_8) : EMPTY;
            case USER_DEFINED -> text.getBytes(StandardCharsets.UTF_8);
            case NORMAL -> text.replace(ESCAPED_SPACE, ' ').getBytes(StandardCharsets.UTF_8);
            case BYTE -> new byte[] {(byte) Integer.parseInt(text, 3, 5, 16)};
            case UNUSED, UNDEFINED -> EMPTY;
        };
    }

    @Override
    public String decode(int[] tokens) {
        return Detokenizer.detokenize(this, tokens, vocabulary.addSpacePrefix(), false);
    }

    @Override
    public Vocabulary vocabulary() {
        return vocabulary;
    }
}
