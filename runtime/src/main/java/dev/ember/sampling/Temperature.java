package dev.ember.sampling;

/**
 * Divides the logits by the temperature: below 1 sharpens the distribution, above 1 flattens it.
 * A temperature <= 0 keeps only the best candidate (the lowest id on ties), so the draw that follows
 * is greedy, as llama.cpp's temperature sampler does.
 */
public final class Temperature implements Sampler {
    private final float temperature;

    /** @param temperature llama.cpp's default is 0.8; 0 means greedy */
    public Temperature(float temperature) {
        this.temperature = temperature;
    }

    @Override
    public void apply(Candidates c) {
        if (c.size() == 0) {
            return;
        }
        if (temperature <= 0f) {
            c.moveTo(c.argmax(), 0);
            c.truncate(1);
        } else {
            c.divideLogits(temperature);
        }
    }
}
