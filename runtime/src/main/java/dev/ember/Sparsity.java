package dev.ember;

import dev.ember.model.DenseFeedForward;
import dev.ember.model.FeedForward;
import dev.ember.model.SparsityProvider;
import dev.ember.model.Weights;

import java.nio.file.Path;
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

    /** @throws EmberException when no provider runs the spec's method (arguments are checked per model) */
    static void checkMethod(String spec) {
        String method = method(spec);
        if (spec.equals(SessionOptions.DENSE) || PROVIDERS.stream().anyMatch(p -> p.methods().contains(method))) {
            return;
        }
        throw unknown(method);
    }

    private static EmberException unknown(String method) {
        TreeSet<String> known = new TreeSet<>();
        known.add(SessionOptions.DENSE);
        PROVIDERS.forEach(p -> known.addAll(p.methods()));
        String hint = PROVIDERS.isEmpty() ? " (sparse methods need the ember-sparsity module on the class path)" : "";
        return new EmberException("unknown sparsity method '" + method + "'; known: " + String.join(", ", known) + hint);
    }

    /** @throws EmberException naming the problem: an unknown method, or a provider's refusal */
    static FeedForward.Factory factory(String spec, Weights weights, Path modelFile) {
        if (spec.equals(SessionOptions.DENSE)) {
            return DenseFeedForward.FACTORY;
        }
        String method = method(spec);
        for (SparsityProvider p : PROVIDERS) {
            if (p.methods().contains(method)) {
                try {
                    return p.factory(spec, weights, modelFile);
                } catch (IllegalArgumentException e) {
                    throw new EmberException("sparsity '" + spec + "': " + e.getMessage(), e);
                }
            }
        }
        throw unknown(method);
    }
}
