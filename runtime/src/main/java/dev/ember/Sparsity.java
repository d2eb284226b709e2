package dev.ember;

import dev.ember.gguf.GgufFile;
import dev.ember.model.DenseFeedForward;
import dev.ember.model.FeedForward;
import dev.ember.model.Projections;
import dev.ember.model.SparsityProvider;
import dev.ember.model.Weights;

import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeSet;

/**
 * Turns a session's sparsity spec into its {@link FeedForward} factory: "none" is the runtime's dense FFN,
 * every other method comes from a {@link SparsityProvider} on the class or module path (the
 * {@code ember-sparsity} module). Providers are found once.
 */
final class Sparsity {
    private static final List<SparsityProvider> PROVIDERS = ServiceLoader.load(SparsityProvider.class).stream()
            .map(ServiceLoader.Provider::get).toList();

    private Sparsity() {
    }

    /** @return the method of a spec: its text before the first ':' */
    static String method(String spec) {
        int colon = spec.indexOf(':');
        return colon < 0 ? spec : spec.substring(0, colon);
    }

    /** The part of a spec that names attention-side (projection input) sparsity: {@code attn:S}. */
    static final String ATTENTION = "attn";

    /** What a spec asks of a session: its FFN and its attention projections. */
    record Strategies(FeedForward.Factory ffn, Projections.Factory projections) {
    }

    /** @return the parts of a composed spec, {@code A+B}: at most one FFN method and one {@code attn:S} */
    static String[] parts(String spec) {
        String[] parts = spec.split("\\+", -1);
        if (parts.length > 2 || (parts.length == 2 && method(parts[0]).equals(ATTENTION) == method(parts[1])
                .equals(ATTENTION))) {
            throw new EmberException("sparsity '" + spec + "': compose at most one FFN method and one attn:S, "
                    + "e.g. chess:P+attn:0.5");
        }
        return parts;
    }

    /** @throws EmberException when no provider runs a method of the spec (arguments are checked per model) */
    static void checkMethod(String spec) {
        for (String part : parts(spec)) {
            if (!part.equals(SessionOptions.DENSE)) {
                provider(method(part));
            }
        }
    }

    private static EmberException unknown(String method) {
        TreeSet<String> known = new TreeSet<>();
        known.add(SessionOptions.DENSE);
        PROVIDERS.forEach(p -> known.addAll(p.methods()));
        String hint = PROVIDERS.isEmpty() ? " (sparse methods need the ember-sparsity module on the class path)" : "";
        return new EmberException("unknown sparsity method '" + method + "'; known: " + String.join(", ", known) + hint);
    }

    /**
     * @return the FFN and projection strategies of a (composed) spec
     * @throws EmberException naming the problem: an unknown method, or a provider's refusal
     */
    static Strategies strategies(String spec, Weights weights, GgufFile model) {
        FeedForward.Factory ffn = DenseFeedForward.FACTORY;
        Projections.Factory projections = Projections.DENSE;
        for (String part : parts(spec)) {
            if (part.equals(SessionOptions.DENSE)) {
                continue;
            }
            SparsityProvider p = provider(method(part));
            try {
                if (method(part).equals(ATTENTION)) {
                    projections = p.projections(part, weights, model);
                } else {
                    ffn = p.factory(part, weights, model);
                }
            } catch (IllegalArgumentException e) {
                throw new EmberException("sparsity '" + spec + "': " + e.getMessage(), e);
            }
        }
        return new Strategies(ffn, projections);
    }

    /** @return the provider that runs {@code method} @throws EmberException if none does */
    private static SparsityProvider provider(String method) {
        for (SparsityProvider p : PROVIDERS) {
            if (p.methods().contains(method)) {
                return p;
            }
        }
        throw unknown(method);
    }
}
