package dev.ember;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.gguf.GgufFile;
import dev.ember.gguf.GgufTensorInfo;
import dev.ember.gguf.GgufWriter;
import dev.ember.sampling.SamplerSpec;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sessions on a real model (stories260K, f32): llama.cpp's greedy tokens, every stop condition,
 * cancellation, seeds, and sessions on several threads.
 */
class SessionTest {
    static final String PROMPT = "Once upon a time";
    /** llama.cpp's greedy continuation of PROMPT (stories260K-f32.greedy.json, run 1). */
    static final String GREEDY_START = ", there was a little girl named Lily. She loved to play outside in the park.";

    static Model model;

    @BeforeAll
    static void load() {
        model = Model.load(SharedData.require("models/stories260K-f32.gguf"), LoadOptions.builder().threads(2).build());
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    static GenerationRequest.Builder greedy(int maxTokens) {
        return GenerationRequest.builder().prompt(PROMPT).maxTokens(maxTokens).sampler(SamplerSpec.GREEDY);
    }

    @Test
    void greedyGenerationIsLlamaCppsTokenForToken() throws IOException {
        JsonNode run = new ObjectMapper().readTree(SharedData.require("reference/stories260K-f32.greedy.json")
                .toFile()).get("runs").get(0);
        int[] expected = new int[run.get("generated_token_ids").size()];
        Arrays.setAll(expected, i -> run.get("generated_token_ids").get(i).asInt());
        List<String> pieces = new ArrayList<>();
        GenerationResult r = model.newSession().generate(greedy(expected.length).build(), pieces::add);
        assertEquals(PROMPT, run.get("prompt").asText());
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, r.promptTokens());
        assertArrayEquals(expected, r.tokens());
        assertEquals(run.get("generated_text").asText(), r.text());
        assertEquals(r.text(), String.join("", pieces), "the streamed pieces add up to the text");
        assertEquals(StopReason.MAX_TOKENS, r.stopReason());
        assertEquals(5, r.prefill().tokens());
        assertEquals(expected.length, r.decode().tokens());
        assertTrue(r.decode().tokensPerSecond() > 0);
        assertEquals(model.kernels(), r.kernels());
        assertEquals(2, r.threads());
        assertEquals("none", r.sparsity());
    }

    @Test
    void maxTokensStopsExactly() {
        GenerationResult r = model.newSession().generate(greedy(5).build());
        assertEquals(5, r.tokens().length);
        assertEquals(StopReason.MAX_TOKENS, r.stopReason());
        assertEquals(", there was a little", r.text());
        GenerationResult none = model.newSession().generate(greedy(0).build());
        assertEquals(0, none.tokens().length);
        assertEquals("", none.text());
    }

    @Test
    void stopStringSplitAcrossTokensIsCutAndNeverStreamed() {
        // " girl" is three tokens here (" g", "ir", "l") and "girl named" spans four: the match completes
        // only at " named", and nothing of it may reach the listener before that
        List<String> pieces = new ArrayList<>();
        GenerationResult r = model.newSession().generate(greedy(50).stop("girl named").build(), pieces::add);
        assertEquals(StopReason.STOP_STRING, r.stopReason());
        assertEquals(", there was a little ", r.text());
        assertEquals(r.text(), String.join("", pieces));
        assertFalse(pieces.stream().anyMatch(p -> p.contains("g")), pieces.toString());
        assertEquals(9, r.tokens().length, "the tokens up to and including ' named' are reported");
        GenerationResult notFound = model.newSession().generate(greedy(12).stop("girl named Tom").build());
        assertEquals(GREEDY_START.substring(0, notFound.text().length()), notFound.text(),
                "a partial match that fails is released");
        assertEquals(StopReason.MAX_TOKENS, notFound.stopReason());
    }

    @Test
    void fullContextStopsAndALongerPromptIsAClearError() {
        Session small = model.newSession(SessionOptions.builder().contextLength(16).build());
        GenerationResult r = small.generate(greedy(100).build());
        assertEquals(StopReason.CONTEXT_FULL, r.stopReason());
        assertEquals(16 - 5 + 1, r.tokens().length, "the last token comes from the logits of position 15");
        assertEquals(GREEDY_START.substring(0, r.text().length()), r.text());
        Session tiny = model.newSession(SessionOptions.builder().contextLength(4).build());
        EmberException e = assertThrows(EmberException.class, () -> tiny.generate(greedy(1).build()));
        assertTrue(e.getMessage().contains("5 tokens") && e.getMessage().contains("holds 4"), e.getMessage());
        assertEquals(16, small.contextLength());
    }

    @Test
    void theListenerCancelsByReturningFalseOrThrowing() {
        Session s = model.newSession();
        List<String> seen = new ArrayList<>();
        GenerationResult r = s.generate(greedy(50).build(), piece -> {
            seen.add(piece);
            return seen.size() < 3;
        });
        assertEquals(StopReason.CANCELLED, r.stopReason());
        assertEquals(3, r.tokens().length);
        assertEquals(", there was", String.join("", seen));
        GenerationResult thrown = s.generate(greedy(50).build(), piece -> {
            throw new GenerationCancelledException();
        });
        assertEquals(StopReason.CANCELLED, thrown.stopReason());
        assertEquals(1, thrown.tokens().length);
        assertThrows(IllegalArgumentException.class, () -> s.generate(greedy(50).build(), piece -> {
            throw new IllegalArgumentException("a bug in the listener propagates");
        }));
        assertEquals(GREEDY_START.substring(0, 20), s.generate(greedy(30).build()).text().substring(0, 20),
                "the session still works after a failed generation");
    }

    @Test
    void anEndOfGenerationTokenStopsAndIsLeftOut(@TempDir Path dir) {
        // stories260K never draws EOS (2): llama2.c trained it with BOS (1) between stories, and greedy
        // decoding of PROMPT draws BOS at token 341. A copy whose metadata names 1 as EOS must stop there.
        GenerationRequest request = greedy(400).build();
        SessionOptions ctx512 = SessionOptions.builder().contextLength(512).build();
        GenerationResult through = model.newSession(ctx512).generate(greedy(400).ignoreEos(true).build());
        assertEquals(1, through.tokens()[341], "the story ends with BOS at token 341");
        assertEquals(StopReason.MAX_TOKENS, model.newSession(ctx512).generate(request).stopReason(),
                "BOS is not an end-of-generation token for llama.cpp, so it does not stop the original");
        try (Model eosIsBos = Model.load(withEos(SharedData.require("models/stories260K-f32.gguf"), 1,
                dir.resolve("eos-is-bos.gguf")), LoadOptions.builder().threads(1).build())) {
            GenerationResult r = eosIsBos.newSession(ctx512).generate(request);
            assertEquals(StopReason.EOS, r.stopReason());
            assertArrayEquals(Arrays.copyOf(through.tokens(), 341), r.tokens());
            assertTrue(r.text().length() > 300 && through.text().startsWith(r.text()), r.text());
        }
    }

    /** @return a copy of {@code src} whose {@code tokenizer.ggml.eos_token_id} is {@code eos} */
    static Path withEos(Path src, int eos, Path dst) {
        try (GgufFile gguf = GgufFile.open(src)) {
            GgufWriter w = new GgufWriter().putAll(gguf.metadata()).putUint32("tokenizer.ggml.eos_token_id", eos);
            for (GgufTensorInfo info : gguf.tensorInfos()) {
                Tensor t = gguf.tensor(info.name());
                w.addTensor(t.name(), t.type(), t.shape(), t.data());
            }
            w.write(dst);
        }
        return dst;
    }

    @Test
    void sameSeedSameTokensOtherSeedOtherTokens() {
        SamplerSpec spec = SamplerSpec.builder().temperature(1.0f).seed(1234).build();
        GenerationRequest request = GenerationRequest.builder().prompt(PROMPT).maxTokens(60).sampler(spec).build();
        int[] a = model.newSession().generate(request).tokens();
        Session reused = model.newSession();
        reused.generate(greedy(10).build());
        assertArrayEquals(a, reused.generate(request).tokens(), "same seed, same tokens, even on a used session");
        GenerationRequest other = GenerationRequest.builder().prompt(PROMPT).maxTokens(60)
                .sampler(spec.toBuilder().seed(99).build()).build();
        assertFalse(Arrays.equals(a, model.newSession().generate(other).tokens()));
    }

    @Test
    void aPromptThatExtendsTheCacheOnlyEvaluatesItsNewPart() {
        Session s = model.newSession();
        GenerationResult first = s.generate(greedy(20).build());
        int[] prompt = new int[5 + 10];
        System.arraycopy(first.promptTokens(), 0, prompt, 0, 5);
        System.arraycopy(first.tokens(), 0, prompt, 5, 10);
        GenerationRequest next = GenerationRequest.builder().promptTokens(prompt).maxTokens(20)
                .sampler(SamplerSpec.GREEDY).build();
        GenerationResult continued = s.generate(next);
        assertEquals(1, continued.prefill().tokens(), "all but the last prompt token were cached");
        GenerationResult fresh = model.newSession().generate(next);
        assertEquals(15, fresh.prefill().tokens());
        assertArrayEquals(fresh.tokens(), continued.tokens());
    }

    @Test
    void sessionsOnSeveralThreadsGiveTheTokensTheyGiveAlone() throws Exception {
        String[] prompts = {PROMPT, "Lily and Tom went to the park. They saw a big",
            "One day, a little girl named Sue"};
        SamplerSpec spec = SamplerSpec.builder().seed(7).build();
        int[][] alone = new int[prompts.length][];
        for (int i = 0; i < prompts.length; i++) {
            alone[i] = model.newSession().generate(GenerationRequest.builder().prompt(prompts[i]).maxTokens(60)
                    .sampler(spec).build()).tokens();
        }
        ExecutorService pool = Executors.newFixedThreadPool(prompts.length);
        try {
            for (int round = 0; round < 2; round++) {
                List<Future<int[]>> futures = new ArrayList<>();
                for (String prompt : prompts) {
                    Callable<int[]> job = () -> model.newSession().generate(GenerationRequest.builder()
                            .prompt(prompt).maxTokens(60).sampler(spec).build()).tokens();
                    futures.add(pool.submit(job));
                }
                for (int i = 0; i < prompts.length; i++) {
                    assertArrayEquals(alone[i], futures.get(i).get(), "prompt " + i + " round " + round);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void oneSessionUsedFromTwoPlacesAtOnceFailsFast() {
        Session s = model.newSession();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> s.generate(greedy(5).build(), piece -> {
                    s.generate(greedy(1).build());
                    return true;
                }));
        assertTrue(e.getMessage().contains("single-threaded"), e.getMessage());
    }
}
