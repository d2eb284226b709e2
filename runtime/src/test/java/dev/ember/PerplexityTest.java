package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The perplexity procedure when a chunk takes several batches, and its input checks. */
class PerplexityTest {
    /** llama-perplexity -c 128 with an F32 KV cache on stories260K-f32 (../shared/reference/perplexity.json). */
    static final double LLAMA_CPP_F32_PPL = 4.9053;

    @Test
    void chunksSplitIntoBatchesScoreTheSame() throws IOException {
        String text = Files.readString(SharedData.require("reference/ppl-text.txt"));
        try (Model model = Model.load(SharedData.require("models/stories260K-f32.gguf"),
                LoadOptions.builder().threads(2).build())) {
            int[] progress = {0};
            // 128 = 48 + 48 + 32: the scored half starts inside the second batch
            Perplexity.Result split = Perplexity.compute(model, text, 128, 48, (c, of, ppl) -> progress[0] = c);
            assertEquals(76, progress[0]);
            assertEquals(76, split.chunks());
            assertEquals(76 * 63, split.tokensScored());
            assertEquals(9796, split.textTokens(), "the reference's token count");
            assertEquals(LLAMA_CPP_F32_PPL, split.perplexity(), LLAMA_CPP_F32_PPL * 0.005);
            assertEquals(0.1295, split.standardError(), 0.001);
            Perplexity.Result whole = Perplexity.compute(model, text, 128, null);
            assertEquals(whole.perplexity(), split.perplexity(), 1e-4);
            EmberException shortText = assertThrows(EmberException.class,
                    () -> Perplexity.compute(model, text.substring(0, 500), 128, null));
            assertTrue(shortText.getMessage().contains("needs at least 256"), shortText.getMessage());
        }
    }
}
