package dev.ember.sparsity.teal;

import dev.ember.EmberException;
import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.Session;
import dev.ember.SessionOptions;
import dev.ember.SharedData;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TEAL attention input sparsity: attn:0 is dense, specs compose with an FFN method, bad specs are named. */
class TealProjectionsTest {
    private static Model load() {
        return Model.load(SharedData.require("models/stories260K-f32.gguf"),
                LoadOptions.builder().threads(2).kernels("scalar").build());
    }

    @Test
    void attnZeroIsDenseAndComposes() {
        try (Model m = load()) {
            int[] prompt = m.tokenize("Once upon a time there was a little girl named Lily");
            float[] dense = m.newSession().evaluate(prompt, 0, prompt.length, true).clone();
            for (String spec : new String[] {"attn:0", "synthetic:0+attn:0", "attn:0+synthetic:0"}) {
                Session s = m.newSession(SessionOptions.builder().sparsity(spec).build());
                float[] sparse = s.evaluate(prompt, 0, prompt.length, true);
                double max = 0;
                double scale = 0;
                for (int i = 0; i < prompt.length * m.config().vocabSize(); i++) {
                    max = Math.max(max, Math.abs(sparse[i] - dense[i]));
                    scale = Math.max(scale, Math.abs(dense[i]));
                }
                // F32 input-major copies are exact: only the order of the sums differs
                assertTrue(max <= 1e-4 * scale, spec + ": max |logit diff| " + max);
            }
            Session half = m.newSession(SessionOptions.builder().sparsity("attn:0.5").build());
            float[] h = half.evaluate(prompt, 0, prompt.length, true);
            assertTrue(!Arrays.equals(Arrays.copyOf(h, dense.length), dense), "skipping half the inputs changes logits");
        }
    }

    @Test
    void badSpecsAreNamed() {
        try (Model m = load()) {
            for (String[] c : new String[][] {{"attn:1.5", "in [0, 1)"}, {"attn:x", "neither a share S in [0, 1) nor a profile file"},
                    {"attn", "attn:S"}, {"synthetic:0.5+relu", "at most one FFN method and one attn:S"},
                    {"attn:0.5+attn:0.3", "at most one FFN method and one attn:S"}}) {
                EmberException e = assertThrows(EmberException.class,
                        () -> m.newSession(SessionOptions.builder().sparsity(c[0]).build()), c[0]);
                assertTrue(e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
            }
        }
    }
}
