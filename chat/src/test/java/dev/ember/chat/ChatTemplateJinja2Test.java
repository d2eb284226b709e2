package dev.ember.chat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.SharedData;
import dev.ember.gguf.GgufFile;
import dev.ember.tokenizer.Vocabulary;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the shared cases do not reach: a template's raise_exception, a tool-calling multi-turn conversation
 * (Python string methods, negative indexes, tojson of nested values and floats), tojson with indent, loop
 * controls and str methods. Expected texts were rendered by jinja2 3.1.6 in transformers' environment
 * (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, tojson = json.dumps with
 * ensure_ascii=False), not by Ember.
 */
class ChatTemplateJinja2Test {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void raiseExceptionBecomesAClearError() {
        ChatTemplate gemma = fromVocab("ggml-vocab-gemma-3.gguf");
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> gemma.render(
                List.of(ChatMessage.user("a"), ChatMessage.user("b")), true));
        assertTrue(e.raisedByTemplate());
        assertTrue(e.getMessage().endsWith("Conversation roles must alternate user/assistant/user/assistant/..."),
                e.getMessage());
    }

    @Test
    void qwenToolCallingConversationMatchesJinja2() throws Exception {
        List<Map<String, Object>> messages = JSON.readValue("""
                [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather?"},
                 {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {
                    "name": "get_weather",
                    "arguments": {"city": "Köln", "days": 2, "temp": 21.5, "ok": true, "none": null}}}]},
                 {"role": "tool", "content": "{\\"t\\": 3}"},
                 {"role": "assistant", "content": "<think>\\nhmm\\n</think>\\n\\nIt is 3 degrees."},
                 {"role": "user", "content": "Thanks"}]
                """, new TypeReference<>() {
        });
        List<Map<String, Object>> tools = JSON.readValue("""
                [{"type": "function", "function": {"name": "f", "description": "d\\n\\"q\\"",
                  "parameters": {"x": [1.0, 0.0001, 1e-05, 1e16, 123456789.125]}}}]
                """, new TypeReference<>() {
        });
        String expected = "<|im_start|>system\nBe brief.\n\n# Tools\n\n"
                + "You may call one or more functions to assist with the user query.\n\n"
                + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
                + "{\"type\": \"function\", \"function\": {\"name\": \"f\", \"description\": \"d\\n"
                + "\\\"q\\\"\", \"parameters\": {\"x\": [1.0, 0.0001, 1e-05, 1e+16, 123456789.125]}}}\n</tools>\n"
                + "\n"
                + "For each function call, return a json object with function name and arguments within <tool_call></to"
                + "ol_call> XML tags:\n"
                + "<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n"
                + "</tool_call><|im_end|>\n<|im_start|>user\nWeather?<|im_end|>\n<|im_start|>assistant\n"
                + "<tool_call>\n"
                + "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Köln\", \"days\": 2, \"temp\": 21.5, \"ok\":"
                + " true, \"none\": null}}\n"
                + "</tool_call><|im_end|>\n<|im_start|>user\n<tool_response>\n{\"t\": 3}\n"
                + "</tool_response><|im_end|>\n<|im_start|>assistant\nIt is 3 degrees.<|im_end|>\n"
                + "<|im_start|>user\nThanks<|im_end|>\n<|im_start|>assistant\n";
        assertEquals(expected, fromVocab("ggml-vocab-qwen2.gguf").render(messages, tools, true, Map.of()));
    }

    @Test
    void tojsonWithIndentMatchesPython() {
        ChatTemplate t = ChatTemplate.of("{{ x | tojson(indent=2) }}", "", "");
        Map<String, Object> x = new java.util.LinkedHashMap<>();
        x.put("a", List.of(1, new java.util.HashMap<>(java.util.Collections.singletonMap("b", null))));
        x.put("c", "é\t");
        assertEquals("{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ],\n  \"c\": \"é\\t\"\n}", t.render(List.of(), null, false, Map.of("x", x)));
    }

    @Test
    void loopControlsStringMethodsAndNegativeIndexesMatchJinja2() {
        ChatTemplate t = ChatTemplate.of("{% for i in [1,2,3,4] %}{% if i == 2 %}{% continue %}{% endif %}"
                + "{% if i == 4 %}{% break %}{% endif %}{{ i }}{% endfor %}|{{ '  a b  '.strip() }}|"
                + "{{ 'a,b,,c'.split(',') | length }}|{{ 'x y  z'.split() | join('-') }}|"
                + "{{ 'Hello'.upper() }}{{ 'ab'.title() }}|{{ messages[-1].content }}", "", "");
        assertEquals("13|a b|4|x-y-z|HELLOAb|last", t.render(List.of(ChatMessage.user("a"), ChatMessage.user("last")), false));
    }

    @Test
    void controlCharactersPassThroughAsJinja2LeavesThem() {
        ChatTemplate t = ChatTemplate.of("{{ messages[0].content }}|{{ 'x' + messages[0].content }}", "", "");
        assertEquals("a\u0019b\u0001|xa\u0019b\u0001", t.render(List.of(ChatMessage.user("a\u0019b\u0001")), false));
    }

    static ChatTemplate fromVocab(String vocab) {
        try (GgufFile gguf = GgufFile.open(SharedData.require("tokenizer/" + vocab))) {
            return ChatTemplate.fromGguf(gguf.metadata(), Vocabulary.fromGguf(gguf.metadata()));
        }
    }
}
