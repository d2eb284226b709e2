package dev.ember.tokenizer;

import dev.ember.gguf.GgufFormatException;
import dev.ember.gguf.GgufMetadata;
import org.agrona.collections.Object2IntHashMap;

/**
 * The vocabulary as stored in GGUF: token texts, scores, types, special ids and the add-BOS/EOS
 * flags, read from {@code tokenizer.ggml.*}. Defaults for absent keys follow llama.cpp's vocab
 * loader for the tokenizer model (for example SentencePiece vocabularies add BOS unless told not
 * to).
 */
public final class Vocabulary {
    /** Marks an absent special token id. */
    public static final int NONE = -1;

    private final String model;
    private final String pre;
    private final String[] tokens;
    private final float[] scores;
    private final TokenType[] types;
    private final Object2IntHashMap<String> ids;
    private final int bos;
    private final int eos;
    private final int eot;
    private final int unk;
    private final int pad;
    private final int sep;
    private final int cls;
    private final int mask;
    private final boolean addBos;
    private final boolean addEos;
    private final boolean addSpacePrefix;
    private final String[] merges;
    private final String modelName;

    private Vocabulary(GgufMetadata m) {
        this.model = m.getString("tokenizer.ggml.model");
        this.pre = m.getString("tokenizer.ggml.pre", "default");
        this.tokens = m.getStringArray("tokenizer.ggml.tokens");
        int n = tokens.length;
        this.scores = m.contains("tokenizer.ggml.scores") ? m.getFloatArray("tokenizer.ggml.scores") : new float[n];
        int[] typeIds = m.contains("tokenizer.ggml.token_type") ? m.getIntArray("tokenizer.ggml.token_type") : null;
        if (scores.length != n || (typeIds != null && typeIds.length != n)) {
            throw new GgufFormatException(null, -1, "tokenizer: " + n + " tokens but " + scores.length
                    + " scores and " + (typeIds == null ? 0 : typeIds.length) + " token types");
        }
        this.types = new TokenType[n];
        this.ids = new Object2IntHashMap<>(Math.max(16, n * 2), 0.65f, NONE);
        for (int i = 0; i < n; i++) {
            types[i] = typeIds == null ? TokenType.NORMAL : TokenType.fromId(typeIds[i]);
            // first occurrence wins, as in llama.cpp's token_to_id map built by insertion
            ids.putIfAbsent(tokens[i], i);
        }
        this.merges = m.contains("tokenizer.ggml.merges") ? m.getStringArray("tokenizer.ggml.merges") : new String[0];
        this.modelName = m.getString("general.name", "");
        boolean spm = model.equals("llama");
        boolean bert = model.equals("bert");
        boolean bpe = model.equals("gpt2");
        // llama.cpp's defaults when the key is absent; for byte-level BPE both are id 11 (sic),
        // except that chatglm-bpe has no default BOS
        this.bos = specialId(m, "bos", spm ? 1 : bert ? 101 : bpe && !pre.equals("chatglm-bpe") ? 11 : NONE);
        this.eos = specialId(m, "eos", spm ? 2 : bpe ? 11 : NONE);
        this.unk = specialId(m, "unknown", spm ? 0 : bert ? 100 : NONE);
        this.pad = specialId(m, "padding", bert ? 0 : NONE);
        this.sep = specialId(m, "seperator", bert ? 102 : NONE);
        this.cls = specialId(m, "cls", bert ? 101 : NONE);
        this.mask = specialId(m, "mask", bert ? 103 : NONE);
        this.eot = specialId(m, "eot", NONE);
        this.addBos = m.getBoolean("tokenizer.ggml.add_bos_token", defaultAddBos());
        this.addEos = m.getBoolean("tokenizer.ggml.add_eos_token", bert);
        this.addSpacePrefix = m.getBoolean("tokenizer.ggml.add_space_prefix", spm);
    }

    /**
     * Reads the vocabulary from GGUF metadata.
     *
     * @throws GgufFormatException if a required key is missing or the arrays disagree in length
     */
    public static Vocabulary fromGguf(GgufMetadata metadata) {
        return new Vocabulary(metadata);
    }

    private boolean defaultAddBos() {
        return switch (model) {
            case "llama", "bert" -> true;
            // without the key, llama.cpp (c392e50) adds BOS only for these pre-tokenizer types;
            // deepseek-*, command-r and the rest add it only when their file says so
            case "gpt2" -> switch (pre) {
                case "llama3", "llama-v3", "llama-bpe", "falcon3", "tekken", "chameleon" -> true;
                default -> false;
            };
            default -> false;
        };
    }

    private int specialId(GgufMetadata m, String name, int fallback) {
        String key = "tokenizer.ggml." + name + "_token_id";
        int defaultId = fallback < tokens.length ? fallback : NONE;
        if (!m.contains(key)) {
            return defaultId;
        }
        long id = m.getLong(key);
        // llama.cpp ignores (with a warning) a special id outside the vocabulary and keeps its default;
        // llama2.c conversions store 4294967295 (uint32 -1) for "none"
        return id >= 0 && id < tokens.length ? (int) id : defaultId;
    }

    /** @return {@code tokenizer.ggml.model}: "llama", "gpt2", "bert", ... */
    public String model() {
        return model;
    }

    /** @return {@code tokenizer.ggml.pre}, or "default" */
    public String pre() {
        return pre;
    }

    /** @return {@code general.name} or "" (llama.cpp sets some token attributes by model name) */
    public String modelName() {
        return modelName;
    }

    /** @return the number of tokens */
    public int size() {
        return tokens.length;
    }

    /** @return the stored text of a token */
    public String token(int id) {
        return tokens[id];
    }

    /** @return the SentencePiece score of a token (0 if the vocabulary has none) */
    public float score(int id) {
        return scores[id];
    }

    /** @return the type of a token */
    public TokenType type(int id) {
        return types[id];
    }

    /** @return the id of a token text, or {@link #NONE} */
    public int id(String token) {
        return ids.getValue(token);
    }

    /** @return the BPE merges ("a b" per rank), empty if none */
    public String[] merges() {
        return merges;
    }

    /** @return the BOS id or {@link #NONE} */
    public int bos() {
        return bos;
    }

    /** @return the EOS id or {@link #NONE} */
    public int eos() {
        return eos;
    }

    /** @return the end-of-turn id or {@link #NONE} */
    public int eot() {
        return eot;
    }

    /** @return the unknown-token id or {@link #NONE} */
    public int unk() {
        return unk;
    }

    /** @return the padding id or {@link #NONE} */
    public int pad() {
        return pad;
    }

    /** @return the separator id (BERT's [SEP]) or {@link #NONE} */
    public int sep() {
        return sep;
    }

    /** @return the classifier id (BERT's [CLS]) or {@link #NONE} */
    public int cls() {
        return cls;
    }

    /** @return the mask id or {@link #NONE} */
    public int mask() {
        return mask;
    }

    /** @return whether tokenizing with special tokens adds BOS */
    public boolean addBos() {
        return addBos;
    }

    /** @return whether tokenizing with special tokens adds EOS */
    public boolean addEos() {
        return addEos;
    }

    /** @return whether SentencePiece prepends a space to the text */
    public boolean addSpacePrefix() {
        return addSpacePrefix;
    }
}
