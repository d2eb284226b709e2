package dev.ember.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ember.bench.e2e.EndToEndBench;
import dev.ember.bench.e2e.LlamaBench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One {@code ember bench} result as DESIGN.md section 6's JSON object, or as a few lines for people; with
 * llama-bench's on the same file when it was asked for ({@code llama} null otherwise).
 */
record BenchReport(String model, EndToEndBench.Result r, LlamaBench.Result llama) {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** @return the JSON fields in DESIGN.md's order, then this harness's extras */
    Map<String, Object> fields() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("quant", r.quant().toLowerCase(Locale.ROOT));
        m.put("threads", r.threads());
        m.put("kernels", r.kernels());
        if (r.kernelsIsa() != null) {
            m.put("kernels_isa", r.kernelsIsa());
        }
        m.put("sparsity", r.sparsity());
        m.put("prefill_tokens_per_second", r.prefillTokensPerSecond());
        m.put("decode_tokens_per_second", r.decodeTokensPerSecond());
        m.put("bytes_per_token", r.bytesPerToken());
        m.put("bandwidth_gb_per_second", r.bandwidthGbPerSecond());
        m.put("efficiency", r.efficiency());
        if (!Double.isNaN(r.denseDecodeTokensPerSecond())) {
            m.put("dense_decode_tokens_per_second", r.denseDecodeTokensPerSecond());
            m.put("speedup", r.speedup());
            m.put("sparsity_achieved", r.sparsityAchieved());
            m.put("layer_sparsity", r.layerSparsity());
            double[] ms = r.sparseMillisPerToken().length == 3 ? r.sparseMillisPerToken() : new double[3];
            Map<String, Object> where = new LinkedHashMap<>();
            where.put("select_ms", ms[0]);
            where.put("ffn_ms", ms[1]);
            where.put("rest_ms", ms[2]);
            m.put("decode_ms_per_token", where);
            m.put("sparse_ffn_bytes_per_token", r.sparseFfnBytesPerToken());
            m.put("sparse_ffn_gb_per_second", r.sparseFfnGbPerSecond());
            if (!Double.isNaN(r.attentionSparsity())) {
                m.put("attention_sparsity_achieved", r.attentionSparsity());
            }
        }
        m.put("dense_ffn_gb_per_second", r.denseFfnGbPerSecond());
        if (llama != null) {
            m.put("llama_cpp_prefill_tokens_per_second", llama.prefillTokensPerSecond());
            m.put("llama_cpp_decode_tokens_per_second", llama.decodeTokensPerSecond());
            m.put("prefill_ratio", r.prefillTokensPerSecond() / llama.prefillTokensPerSecond());
            m.put("decode_ratio", r.decodeTokensPerSecond() / llama.decodeTokensPerSecond());
            m.put("llama_cpp_commit", llama.commit());
        }
        m.put("huge_page_bytes", r.hugePageBytes());
        m.put("rss_bytes", r.rssBytes());
        m.put("repacked_bytes", r.repackedBytes());
        if (r.background() != null) {
            m.put("background_threads", r.background().threads());
            m.put("background_idle_decode_tokens_per_second", r.background().idleTokensPerSecond());
            m.put("background_decode_tokens_per_second", r.background().loadedTokensPerSecond());
            m.put("background_ratio", r.background().ratio());
        }
        m.put("allocated_bytes_per_token", r.allocatedBytesPerToken());
        m.put("load_average", r.loadAverage());
        return m;
    }

    String json() {
        try {
            return MAPPER.writeValueAsString(fields());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private double phase(int i) {
        return r.sparseMillisPerToken().length > i ? r.sparseMillisPerToken()[i] : 0;
    }

    String text() {
        String sparse = Double.isNaN(r.denseDecodeTokensPerSecond()) ? "" : String.format(Locale.ROOT,
                "%nsparse decode %.2f tok/s vs dense %.2f tok/s in this process: speedup %.2fx at %.1f %% of FFN neurons skipped"
                        + "%nper decoded token (mean of the repetitions): select %.2f ms, sparse FFN %.2f ms, rest (attention, "
                        + "output, norms) %.2f ms%nthe sparse pass read %.1f MB a token at %.2f GB/s; dense decode streamed "
                        + "the FFN at %.2f GB/s (%.2fx)",
                r.decodeTokensPerSecond(), r.denseDecodeTokensPerSecond(), r.speedup(), 100 * r.sparsityAchieved(),
                phase(0), phase(1), phase(2), r.sparseFfnBytesPerToken() / 1e6, r.sparseFfnGbPerSecond(),
                r.denseFfnGbPerSecond(), r.sparseFfnGbPerSecond() / r.denseFfnGbPerSecond())
                + (Double.isNaN(r.attentionSparsity()) ? "" : String.format(Locale.ROOT,
                "%nattention projections: %.1f %% of their weight bytes skipped", 100 * r.attentionSparsity()));
        return String.format(Locale.ROOT, """
                model %s (%s), kernels %s, %d threads, sparsity %s; load average before: %.2f
                prefill %.1f tok/s, decode %.2f tok/s
                bytes/token %.1f MB, read bandwidth %.2f GB/s -> bound %.2f tok/s, efficiency %.1f %%
                allocated %.0f bytes per decoded token; %.0f MB in huge pages; resident %.0f MB, repacked copies %.0f MB""",
                model, r.quant().toLowerCase(Locale.ROOT),
                r.kernelsIsa() == null ? r.kernels() : r.kernels() + " " + r.kernelsIsa(), r.threads(), r.sparsity(), r.loadAverage(),
                r.prefillTokensPerSecond(), r.decodeTokensPerSecond(), r.bytesPerToken() / 1e6,
                r.bandwidthGbPerSecond(), r.bandwidthGbPerSecond() * 1e9 / r.bytesPerToken(), r.efficiency() * 100,
                r.allocatedBytesPerToken(), r.hugePageBytes() / 1e6, r.rssBytes() / 1e6, r.repackedBytes() / 1e6) + sparse
                + (llama == null ? "" : String.format(Locale.ROOT,
                "%nllama-bench (%s) on the same file: prefill %.1f tok/s, decode %.2f tok/s; Ember/llama.cpp: prefill "
                        + "%.2fx, decode %.2fx", llama.commit().isEmpty() ? "commit unknown" : llama.commit(),
                llama.prefillTokensPerSecond(), llama.decodeTokensPerSecond(),
                r.prefillTokensPerSecond() / llama.prefillTokensPerSecond(),
                r.decodeTokensPerSecond() / llama.decodeTokensPerSecond()))
                + (r.background() == null ? "" : String.format(Locale.ROOT,
                "%nwith %d busy threads: decode %.2f tok/s against %.2f alone (%.2fx)", r.background().threads(),
                r.background().loadedTokensPerSecond(), r.background().idleTokensPerSecond(), r.background().ratio()));
    }
}
