package dev.ember.tokenizer;

import dev.ember.gguf.GgufFile;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One {@link BpeTokenizer} shared by several threads gives each of them the ids it gives a single
 * thread (which {@link BpeTokenizerReferenceTest} checks against llama.cpp): encode and decode keep
 * all their state in per-call scratch.
 */
class BpeTokenizerConcurrencyTest {
    @Test
    void sharedTokenizerGivesTheSameIdsOnEveryThread() throws Exception {
        String file = "ggml-vocab-llama-bpe.gguf";
        Vocabulary vocabulary;
        try (GgufFile gguf = GgufFile.open(TokenizerReference.vocabFile(file))) {
            vocabulary = Vocabulary.fromGguf(gguf.metadata());
        }
        BpeTokenizer tokenizer = new BpeTokenizer(vocabulary);
        List<String> texts = Stream.concat(TokenizerReference.inpOut(file).stream(),
                TokenizerReference.extraCases(file).stream()).map(TokenizerReference.Case::text).distinct().toList();
        List<int[]> expected = texts.stream().map(t -> tokenizer.encode(t, true, true)).toList();
        List<String> decoded = expected.stream().map(tokenizer::decode).toList();

        int threads = 4;
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int offset = t;
                runs.add(pool.submit(() -> {
                    for (int round = 0; round < 20; round++) {
                        for (int k = 0; k < texts.size(); k++) {
                            int i = (k + offset * 7 + round) % texts.size(); // threads work on different texts
                            int[] ids = tokenizer.encode(texts.get(i), true, true);
                            assertArrayEquals(expected.get(i), ids, texts.get(i));
                            assertEquals(decoded.get(i), tokenizer.decode(ids));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> run : runs) {
                run.get();
            }
        }
    }
}
