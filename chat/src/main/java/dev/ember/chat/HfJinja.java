package dev.ember.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Iterator;
import java.util.Map;

/**
 * Jinjava set up as Hugging Face renders chat templates with jinja2: {@code trim_blocks} and
 * {@code lstrip_blocks} on, loop controls, {@code raise_exception}, {@code strftime_now}, {@code tojson}
 * with Python's {@code json.dumps} spacing and {@code ensure_ascii=False}, and the Python string methods
 * templates call ({@link PyStrings}). Jinjava's jinja2 compatibility switches ({@link LegacyOverrides}: operator
 * precedence, whitespace control, backslashes, map keys, None in loops) are on, but not the one that would
 * require spaces inside {@code {{ }}}; {@link TemplateSource} rewrites what Jinjava parses differently.
 */
final class HfJinja {
    /** The message raise_exception carries, so the renderer can tell it from Jinjava's own errors. */
    static final class RaisedException extends RuntimeException {
        RaisedException(String message) {
            super(message, null, false, false);
        }
    }

    private HfJinja() {
    }

    /** @return a new engine; Jinjava instances are thread-safe once configured */
    static Jinjava newEngine() {
        ELResolver resolver = new CompositeELResolver() {
            {
                add(new PyStringResolver());
                add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
            }
        };
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withKeepTrailingNewline(true) // ChatTemplate drops the source's last newline, as jinja2 does
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withHandleBackslashInQuotesOnly(true)
                        .withEvaluateMapKeys(true)
                        .withIterateOverMapKeys(true)
                        .withKeepNullableLoopValues(true)
                        // not Pyish output: it escapes control characters (U+0019 printed as \u0019), jinja2 does not
                        .withUsePyishObjectMapper(false)
                        .build())
                .withElResolver(resolver)
                .withFailOnUnknownTokens(false) // undefined is falsy and prints nothing, as in jinja2
                .build();
        Jinjava jinjava = new Jinjava(config);
        var context = jinjava.getGlobalContext();
        context.registerFunction(new ELFunctionDefinition("", "raise_exception", HfJinja.class,
                "raiseException", String.class));
        context.registerFunction(new ELFunctionDefinition("", "strftime_now", HfJinja.class,
                "strftimeNow", String.class));
        context.registerFilter(new ToJson());
        return jinjava;
    }

    /** {@code raise_exception(message)}: the template refuses the conversation. */
    public static Object raiseException(String message) {
        throw new RaisedException(message);
    }

    /** {@code strftime_now(format)}: the local time now, formatted as Python's strftime does. */
    public static String strftimeNow(String format) {
        return PyStrftime.format(format, LocalDateTime.now(ZoneId.systemDefault()));
    }

    /** {@code tojson}: Python's {@code json.dumps(value, ensure_ascii=False)} (", " and ": " separators). */
    static final class ToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return PyJson.dumps(var, null);
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.getOrDefault("indent", args.length > 0 ? args[0] : null);
            return PyJson.dumps(var, indent == null ? null : ((Number) indent).intValue());
        }
    }

    /** Answers Python string method calls on Java strings ({@code s.startswith('x')}) before the bean resolver. */
    private static final class PyStringResolver extends ELResolver {
        @Override
        public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
            if (base instanceof String s && method instanceof String name && PyStrings.has(name)) {
                context.setPropertyResolved(true);
                return PyStrings.call(s, name, params == null ? new Object[0] : params);
            }
            return null;
        }

        @Override
        public Object getValue(ELContext context, Object base, Object property) {
            return null;
        }

        @Override
        public Class<?> getType(ELContext context, Object base, Object property) {
            return null;
        }

        @Override
        public void setValue(ELContext context, Object base, Object property, Object value) {
            // strings are immutable: leave it to the next resolver
        }

        @Override
        public boolean isReadOnly(ELContext context, Object base, Object property) {
            return false;
        }

        @Override
        public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
            return null;
        }

        @Override
        public Class<?> getCommonPropertyType(ELContext context, Object base) {
            return base instanceof String ? Object.class : null;
        }
    }
}
