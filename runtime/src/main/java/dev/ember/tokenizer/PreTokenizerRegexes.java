package dev.ember.tokenizer;

import java.util.List;

/**
 * The regex lists of llama.cpp's pre-tokenizer types ({@code llm_tokenizer_bpe} in
 * {@code src/llama-vocab.cpp} at the reference commit), each applied in order. They are kept
 * in llama.cpp's spelling: the GPT-2 and Llama-3 strings are recognised by exact text, and the
 * others go through {@link PreTokenizerRegexStep}, which reproduces how C++ matches them. Non-ASCII
 * literals are written as regex escapes (the same code points), so the source survives any editor.
 */
final class PreTokenizerRegexes {
    static final String GPT2 = PreTokenizerGpt2Step.REGEX;
    static final String LLAMA3 = PreTokenizerLlama3Step.REGEX;

    /** No (or an unrecognised-but-allowed) {@code tokenizer.ggml.pre}, e.g. GPT-NeoX files. */
    static final List<String> DEFAULT = List.of("[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]");
    /** gpt-2, mpt, olmo, jais, phi-2, roberta-bpe, jina-*, gigachat. */
    static final List<String> GPT2_ONLY = List.of(GPT2);
    /** llama3 / llama-bpe, dbrx, smaug-bpe, chatglm-bpe. */
    static final List<String> LLAMA3_ONLY = List.of(LLAMA3);
    /** qwen2, deepseek-r1-qwen, stablelm2, megrez: Llama-3's regex with single digits. */
    static final List<String> QWEN2 = List.of("(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
    /** starcoder, refact, command-r, smollm, codeshell, exaone, minerva-7b: digits one by one, then GPT-2. */
    static final List<String> STARCODER = List.of("\\p{N}", GPT2);
    static final List<String> FALCON = List.of("[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]");
    static final List<String> DEEPSEEK_LLM = List.of(
            "[\r\n]",
            "\\s?[A-Za-z\\u00B5\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u01BA\\u01BC-\\u01BF\\u01C4-\\u0293"
                    + "\\u0295-\\u02AF\\u0370-\\u0373\\u0376\\u0377\\u037B-\\u037D\\u037F\\u0386\\u0388-\\u038A"
                    + "\\u038C\\u038E-\\u03A1\\u03A3-\\u03F5\\u03F7-\\u0481\\u048A-\\u052F\\u0531-\\u0556"
                    + "\\u10A0-\\u10C5\\u13A0-\\u13F5\\u13F8-\\u13FD\\u1C90-\\u1CBA\\u1CBD-\\u1CBF\\u1D00-\\u1D2B"
                    + "\\u1D6B-\\u1D77\\u1D79-\\u1D9A\\u1E00-\\u1F15\\u1F18-\\u1F1D\\u1F20-\\u1F45\\u1F48-\\u1F4D"
                    + "\\u1F50-\\u1F57\\u1F59\\u1F5B\\u1F5D\\u1F5F-\\u1F7D\\u1F80-\\u1FB4\\u1FB6-\\u1FBC\\u1FBE"
                    + "\\u1FC2-\\u1FC4\\u1FC6-\\u1FCC\\u1FD0-\\u1FD3\\u1FD6-\\u1FDB\\u1FE0-\\u1FEC\\u1FF2-\\u1FF4"
                    + "\\u1FF6-\\u1FFC\\u2102\\u2107\\u210A-\\u2113\\u2115\\u2119-\\u211D\\u2124\\u2126\\u2128"
                    + "\\u212A-\\u212D\\u212F-\\u2134\\u2139\\u213C-\\u213F\\u2145-\\u2149\\u214E\\u2183\\u2184"
                    + "\\u2C00-\\u2C7B\\u2C7E-\\u2CE4\\u2CEB-\\u2CEE\\u2CF2\\u2CF3\\uA640-\\uA66D\\uA680-\\uA69B"
                    + "\\uA722-\\uA76F\\uA771-\\uA787\\uA78B-\\uA78E\\uAB70-\\uABBF\\uFB00-\\uFB06\\uFB13-\\uFB17"
                    + "\\uFF21-\\uFF3A\\uFF41-\\uFF5A\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}\\x{104D8}-\\x{104FB}"
                    + "\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}\\x{1E900}-\\x{1E943}]+",
            "\\s?[!-/:-~\\uFF01-\\uFF0F\\uFF1A-\\uFF5E\\u2018-\\u201F\\u3000-\\u3002]+",
            "\\s+$",
            "[\\u4E00-\\u9FA5\\u0800-\\u4E00\\uAC00-\\uD7FF]+",
            "\\p{N}+");
    static final List<String> DEEPSEEK_CODER = List.of(
            "[\r\n]",
            "\\s?\\p{L}+",
            "\\s?\\p{P}+",
            "[\\u4E00-\\u9FA5\\u0800-\\u4E00\\uAC00-\\uD7FF]+",
            "\\p{N}");
    /** deepseek-v3. */
    static final List<String> DEEPSEEK3 = List.of(
            "\\p{N}{1,3}",
            "[\\u4E00-\\u9FA5\\u3040-\\u309F\\u30A0-\\u30FF]+",
            "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+"
                    + "| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+");
    /** poro-chat, bloom, gpt3-finnish: split at whitespace and a few sentence marks. */
    static final List<String> PORO = List.of(" ?[^(\\s|.,!?\\u2026\\u3002\\uFF0C\\u3001\\u0964\\u06D4\\u060C)]+");
    static final List<String> VIKING = List.of(PORO.getFirst(), "\\p{N}");
    static final List<String> TEKKEN = List.of("[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+"
            + "|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*"
            + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
    static final List<String> CHAMELEON = List.of(
            "<sentinel:[0-9]+>",
            "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z",
            "([\\t\\n]|    |  )",
            "\\p{N}",
            "[\\p{P}!-/:-@\\[-`{-~]",
            GPT2);

    private PreTokenizerRegexes() {
    }
}
