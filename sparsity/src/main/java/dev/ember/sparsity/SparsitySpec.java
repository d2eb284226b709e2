package dev.ember.sparsity;

import java.nio.file.Path;

/**
 * A parsed {@code --sparsity} value:
 * <pre>
 *   relu                       ReLU exact (models with ember.ffn_activation = relu)
 *   chess:PROFILE              CHESS channel thresholds from a calibrated profile
 *   predictor:PROFILE          trained low-rank predictors from a calibrated profile
 *   coreinfer[:ALPHA,BETA[,CAP]]  CoreInfer sentence-level core neurons (defaults 0.4, 0.2, no cap)
 *   synthetic:S[:gate][:zipf[=A]]  a random (1 - S) share of neurons per token (speed on synthetic models);
 *                              with zipf, neuron i runs with probability proportional to (i + 1)^-A (default
 *                              A = 1), capped at 1: hot neurons first, as a frequency-ordered layout stores them
 * </pre>
 *
 * @param method   relu, chess, predictor, coreinfer or synthetic
 * @param profile  the profile file (chess, predictor), else null
 * @param sparsity S (synthetic), else 0
 * @param gate     synthetic's {@code :gate}: the gate computed densely, as CHESS does
 * @param alpha    CoreInfer's per-token share of positive activations that are core
 * @param beta     CoreInfer's share of the prompt's tokens a neuron must be core for
 * @param cap      CoreInfer's largest core set per layer (0 = no cap)
 * @param zipf     synthetic's skew A: neuron i's chance proportional to (i + 1)^-A; 0 for a uniform chance
 */
public record SparsitySpec(String method, Path profile, double sparsity, boolean gate, double alpha, double beta,
                           int cap, double zipf) {
    /** synthetic's skew when {@code :zipf} names none: Zipf's law. */
    public static final double DEFAULT_ZIPF = 1.0;

    /** @throws IllegalArgumentException naming what is wrong with the spec */
    public static SparsitySpec parse(String spec) {
        String[] parts = spec.split(":", -1);
        String method = parts[0];
        switch (method) {
            case "relu" -> {
                expectParts(spec, parts, 1, 1, "relu takes no arguments");
                return new SparsitySpec(method, null, 0, false, 0, 0, 0, 0);
            }
            case "chess", "predictor" -> {
                if (parts.length < 2 || spec.substring(method.length() + 1).isBlank()) {
                    throw new IllegalArgumentException(method + " needs a profile: " + method + ":PROFILE (made by "
                            + "'ember calibrate --method " + method + "')");
                }
                return new SparsitySpec(method, Path.of(spec.substring(method.length() + 1)), 0, false, 0, 0, 0, 0);
            }
            case "synthetic" -> {
                expectParts(spec, parts, 2, 4, "synthetic:S[:gate][:zipf[=A]] with S in [0, 1)");
                double s = number(parts[1], "synthetic sparsity S");
                if (!(s >= 0 && s < 1)) {
                    throw new IllegalArgumentException("synthetic sparsity S must be in [0, 1), got " + parts[1]);
                }
                boolean gate = false;
                double zipf = 0;
                for (int i = 2; i < parts.length; i++) {
                    if (parts[i].equals("gate") && !gate) {
                        gate = true;
                    } else if (parts[i].equals("zipf") && zipf == 0) {
                        zipf = DEFAULT_ZIPF;
                    } else if (parts[i].startsWith("zipf=") && zipf == 0) {
                        zipf = number(parts[i].substring(5), "synthetic's zipf skew A");
                        if (!(zipf > 0 && zipf <= 4)) {
                            throw new IllegalArgumentException("synthetic's zipf skew A must be in (0, 4], got "
                                    + parts[i].substring(5));
                        }
                    } else {
                        throw new IllegalArgumentException("synthetic:S takes ':gate' and ':zipf[=A]' after S, got ':"
                                + parts[i] + "'");
                    }
                }
                return new SparsitySpec(method, null, s, gate, 0, 0, 0, zipf);
            }
            case "coreinfer" -> {
                expectParts(spec, parts, 1, 2, "coreinfer[:ALPHA,BETA[,CAP]]");
                double alpha = 0.4;
                double beta = 0.2;
                int cap = 0;
                if (parts.length == 2) {
                    String[] v = parts[1].split(",", -1);
                    if (v.length < 2 || v.length > 3) {
                        throw new IllegalArgumentException("coreinfer takes ALPHA,BETA[,CAP], got '" + parts[1] + "'");
                    }
                    alpha = number(v[0], "coreinfer alpha");
                    beta = number(v[1], "coreinfer beta");
                    if (v.length == 3) {
                        cap = (int) number(v[2], "coreinfer cap");
                        if (cap < 0) {
                            throw new IllegalArgumentException("coreinfer cap must be >= 0, got " + v[2]);
                        }
                    }
                }
                if (!(alpha > 0 && alpha <= 1) || !(beta > 0 && beta <= 1)) {
                    throw new IllegalArgumentException("coreinfer alpha and beta must be in (0, 1], got " + alpha + ", " + beta);
                }
                return new SparsitySpec(method, null, 0, false, alpha, beta, cap, 0);
            }
            default -> throw new IllegalArgumentException("unknown sparsity method '" + method + "'");
        }
    }

    private static void expectParts(String spec, String[] parts, int min, int max, String usage) {
        if (parts.length < min || parts.length > max) {
            throw new IllegalArgumentException("'" + spec + "': expected " + usage);
        }
    }

    private static double number(String text, String what) {
        try {
            return Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be a number, got '" + text + "'");
        }
    }
}
