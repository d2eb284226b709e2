package dev.ember.cli;

import dev.ember.sampling.SamplerSpec;
import picocli.CommandLine.Option;

/** The sampling flags of the commands that generate (run, chat), with llama.cpp's defaults (a picocli mixin). */
final class SamplingOptions {
    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0.8",
            description = "sampling temperature; 0 = greedy (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40", description = "top-k; 0 = off (default: 40)")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95", description = "top-p; 1 = off (default: 0.95)")
    float topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0.05", description = "min-p; 0 = off (default: 0.05)")
    float minP;

    @Option(names = "--repeat-penalty", paramLabel = "R", defaultValue = "1.0",
            description = "penalty for the last 64 tokens; 1 = off (default: 1.0)")
    float repeatPenalty;

    @Option(names = {"-s", "--seed"}, paramLabel = "S", description = "sampling seed (default: random)")
    Long seed;

    /** @return the sampler these flags describe; an invalid value throws EmberException naming it */
    SamplerSpec sampler() {
        SamplerSpec.Builder sampler = SamplerSpec.builder().temperature(temperature).topK(topK).topP(topP)
                .minP(minP).repeatPenalty(repeatPenalty);
        if (seed != null) {
            sampler.seed(seed);
        }
        return sampler.build();
    }
}
