package dev.ember;

import dev.ember.model.SyntheticModel;
import dev.ember.sampling.SamplerSpec;
import dev.ember.tensor.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Streaming text never splits a character: a synthetic model's random output is half byte tokens
 * ({@code <0xNN>}), so it often emits a multi-byte character over several tokens, and invalid bytes.
 */
class StreamingTextTest {
    @Test
    void piecesAreWholeCharactersAndAddUpToTheBytesDecodedAtOnce(@TempDir Path dir) {
        Path file = dir.resolve("tiny.gguf");
        SyntheticModel.write(file, SyntheticModel.TINY, GgmlType.F32, 11);
        try (Model model = Model.load(file, LoadOptions.builder().threads(1).build())) {
            Session session = model.newSession(SessionOptions.builder().contextLength(256).build());
            int byteTokens = 0;
            for (long seed = 0; seed < 4; seed++) {
                List<String> pieces = new ArrayList<>();
                GenerationResult r = session.generate(GenerationRequest.builder().prompt("Once upon a time")
                        .maxTokens(60).sampler(SamplerSpec.builder().temperature(1.5f).topK(0).seed(seed).build())
                        .build(), pieces::add);
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                for (int t : r.tokens()) {
                    bytes.writeBytes(model.tokenizer().decodePiece(t, false));
                    byteTokens += model.tokenizer().vocabulary().token(t).startsWith("<0x") ? 1 : 0;
                }
                String whole = bytes.toString(StandardCharsets.UTF_8);
                assertEquals(whole, r.text(), "streamed decoding equals decoding all bytes at once");
                assertEquals(r.text(), String.join("", pieces));
                for (String p : pieces) {
                    assertTrue(!p.isEmpty() && !Character.isLowSurrogate(p.charAt(0))
                            && !Character.isHighSurrogate(p.charAt(p.length() - 1)), "piece splits a pair: " + p);
                }
            }
            assertTrue(byteTokens > 20, "expected many byte tokens, got " + byteTokens);
        }
    }
}
