package dev.ember.kernel;

import dev.ember.EmberException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Chooses the kernels once, when a model loads: the provider named by {@code --kernels} / the system
 * property {@value #PROPERTY} if one is given, else the available provider of highest priority
 * (native 30 &gt; simd 20 &gt; scalar 0). Providers are found with {@code ServiceLoader} once per JVM.
 *
 * <pre>
 * KernelSelection.Selection s = KernelSelection.select(options.kernels());  // null: property, then priority
 * log.info("kernels: " + s.reason());   // "simd (priority 20); native unavailable: no library for linux-aarch64"
 * Kernels kernels = s.provider().create(pool);
 * </pre>
 */
public final class KernelSelection {
    /** The system property that overrides the choice by name. */
    public static final String PROPERTY = "ember.kernels";

    /**
     * The choice and why it was made, to log once and report in every result.
     *
     * @param provider the chosen provider
     * @param reason   one line: the chosen name and priority, or the override that named it, then each
     *                 unavailable provider with its reason
     */
    public record Selection(KernelProvider provider, String reason) {
        /** @return the chosen provider's name */
        public String name() {
            return provider.name();
        }
    }

    private KernelSelection() {
    }

    /** Loaded once: the classes on the class or module path do not change while the JVM runs. */
    private static final class Holder {
        static final List<KernelProvider> PROVIDERS = load();

        private static List<KernelProvider> load() {
            List<KernelProvider> found = new ArrayList<>();
            ServiceLoader.load(KernelProvider.class, KernelSelection.class.getClassLoader()).forEach(found::add);
            found.sort(Comparator.comparingInt(KernelProvider::priority).reversed());
            return List.copyOf(found);
        }
    }

    /** @return every provider found, highest priority first, available or not */
    public static List<KernelProvider> providers() {
        return Holder.PROVIDERS;
    }

    /** @return the selection with no explicit override: the {@value #PROPERTY} property, else by priority */
    public static Selection select() {
        return select(null);
    }

    /**
     * @param override a provider name, or null (or blank) to use the {@value #PROPERTY} property, and failing
     *                 that the available provider of highest priority
     * @throws EmberException if the named provider is unknown or unavailable here, listing the others
     */
    public static Selection select(String override) {
        if (override != null && !override.isBlank()) {
            return select(providers(), override, "requested");
        }
        return select(providers(), System.getProperty(PROPERTY), PROPERTY);
    }

    /**
     * The choice over an explicit list of providers (tests, embedders with their own providers).
     *
     * @param override a provider name, or null or blank for the highest-priority available one
     * @param source   where the override came from, for messages ("--kernels", "ember.kernels")
     */
    static Selection select(List<KernelProvider> providers, String override, String source) {
        List<KernelProvider> sorted = new ArrayList<>(providers);
        sorted.sort(Comparator.comparingInt(KernelProvider::priority).reversed());
        if (override != null && !override.isBlank()) {
            String name = override.strip().toLowerCase(Locale.ROOT);
            for (KernelProvider p : sorted) {
                if (p.name().equals(name)) {
                    String why = p.unavailableReason();
                    if (why != null) {
                        throw new EmberException("kernels '" + name + "' (" + source + ") cannot run here: " + why
                                + "; " + describe(sorted));
                    }
                    return new Selection(p, named(p) + " (" + source + ")" + unavailable(sorted, p));
                }
            }
            throw new EmberException("unknown kernels '" + override.strip() + "' (" + source + "); "
                    + describe(sorted));
        }
        for (KernelProvider p : sorted) {
            if (p.unavailableReason() == null) {
                return new Selection(p, named(p) + " (priority " + p.priority() + ")" + unavailable(sorted, p));
            }
        }
        throw new EmberException("no kernels can run here; " + describe(sorted));
    }

    /** @return "; native unavailable: why" for each unavailable provider other than {@code chosen} */
    private static String unavailable(List<KernelProvider> sorted, KernelProvider chosen) {
        StringBuilder sb = new StringBuilder();
        for (KernelProvider p : sorted) {
            String why = p.unavailableReason();
            if (p != chosen && why != null) {
                sb.append("; ").append(p.name()).append(" unavailable: ").append(why);
            }
        }
        return sb.toString();
    }

    /** @return "available: simd, scalar; unavailable: native (why)" */
    private static String describe(List<KernelProvider> sorted) {
        List<String> ok = new ArrayList<>();
        List<String> not = new ArrayList<>();
        for (KernelProvider p : sorted) {
            String why = p.unavailableReason();
            if (why == null) {
                ok.add(p.name());
            } else {
                not.add(p.name() + " (" + why + ")");
            }
        }
        String s = "available: " + (ok.isEmpty() ? "none" : String.join(", ", ok));
        return not.isEmpty() ? s : s + "; unavailable: " + String.join(", ", not);
    }

    /** @return the provider's name, with its instruction set where it reports one: "native avx2" */
    private static String named(KernelProvider p) {
        String isa = p.instructionSet();
        return isa == null ? p.name() : p.name() + " " + isa;
    }
}
