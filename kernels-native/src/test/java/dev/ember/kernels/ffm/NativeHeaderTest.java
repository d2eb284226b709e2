package dev.ember.kernels.ffm;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ember_kernels.h and the Java downcalls agree: every prototype has the descriptor Java links it with (C types
 * mapped as the platform ABI passes them), no function is linked that the header does not declare, and the ABI
 * version and the activation codes are the same on both sides.
 */
class NativeHeaderTest {
    private static final Path HEADER = Path.of("src/main/c/ember_kernels.h");
    private static final Pattern PROTOTYPE = Pattern.compile("(?m)^([a-z][\\w\\s]*?\\**)\\s*\\b(ember_\\w+)\\(([^)]*)\\);");

    private static String header() throws IOException {
        return Files.readString(HEADER).replaceAll("//[^\\n]*", "");
    }

    /** @return the layout Java passes a C parameter or return type of this spelling as; null for void */
    private static MemoryLayout layout(String cType) {
        String t = cType.strip();
        if (t.contains("*")) {
            return ValueLayout.ADDRESS;
        }
        t = t.replaceAll("\\b(const)\\b", "").strip();
        return switch (t) {
            case "void" -> null;
            case "int64_t" -> ValueLayout.JAVA_LONG;
            case "int32_t", "int" -> ValueLayout.JAVA_INT;
            case "float" -> ValueLayout.JAVA_FLOAT;
            default -> t.startsWith("enum ") ? ValueLayout.JAVA_INT : fail(t);
        };
    }

    private static MemoryLayout fail(String type) {
        throw new AssertionError("a C type the test does not map: " + type);
    }

    @Test
    void everyPrototypeHasTheDescriptorJavaLinksWith() throws IOException {
        Map<String, FunctionDescriptor> declared = new LinkedHashMap<>();
        Matcher m = PROTOTYPE.matcher(header());
        while (m.find()) {
            MemoryLayout ret = layout(m.group(1));
            List<MemoryLayout> args = new ArrayList<>();
            String params = m.group(3).strip();
            if (!params.equals("void")) {
                for (String p : params.split(",")) {
                    // drop the parameter's name: the last word
                    args.add(layout(p.strip().replaceAll("\\s*\\b\\w+$", "")));
                }
            }
            MemoryLayout[] a = args.toArray(MemoryLayout[]::new);
            declared.put(m.group(2), ret == null ? FunctionDescriptor.ofVoid(a) : FunctionDescriptor.of(ret, a));
        }
        assertTrue(declared.size() >= 20, "prototypes found: " + declared.keySet());
        assertEquals(declared.keySet(), NativeLibrary.SIGNATURES.keySet(), "the header's functions are the linked ones");
        for (Map.Entry<String, FunctionDescriptor> e : declared.entrySet()) {
            assertEquals(e.getValue(), NativeLibrary.SIGNATURES.get(e.getKey()), e.getKey());
        }
    }

    @Test
    void abiVersionAndActivationCodesAgree() throws IOException {
        String h = header();
        Matcher abi = Pattern.compile("#define EMBER_ABI_VERSION (\\d+)").matcher(h);
        assertTrue(abi.find());
        assertEquals(NativeLibrary.ABI_VERSION, Integer.parseInt(abi.group(1)));
        // NativeKernels passes SILU 0, RELU 1, GELU 2
        for (String[] c : new String[][] {{"EMBER_SILU", "0"}, {"EMBER_RELU", "1"}, {"EMBER_GELU", "2"}}) {
            assertTrue(h.matches("(?s).*\\b" + c[0] + " = " + c[1] + "\\b.*"), c[0] + " = " + c[1]);
        }
    }
}
