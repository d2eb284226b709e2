package dev.ember.server;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ember.EmberException;
import dev.ember.sampling.SamplerSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fields of a {@code /v1/chat/completions} or {@code /v1/completions} body that Ember acts on, checked:
 * anything malformed is an {@link ApiError} 400 naming the field. Sampling defaults are llama-server's
 * (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05), so an OpenAI client that sends only a temperature
 * gets what llama.cpp users expect; {@code top_k}, {@code min_p} and {@code repeat_penalty} are accepted as
 * llama-server accepts them.
 *
 * @param messages     chat messages as templates see them (content parts joined into text), or null
 * @param tools        tool definitions for the template, or null
 * @param prompt       the completion prompt, or null
 * @param maxTokens    the most tokens to generate, or null for as many as the context holds
 * @param sampler      how to pick tokens
 * @param stop         stop strings
 * @param stream       answer with server-sent events
 * @param includeUsage in a stream, end with OpenAI's usage chunk ({@code stream_options.include_usage})
 */
record ApiRequest(List<Map<String, Object>> messages, List<Map<String, Object>> tools, String prompt,
                  Integer maxTokens, SamplerSpec sampler, List<String> stop, boolean stream, boolean includeUsage) {
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    /** @return the checked request of a chat completion */
    static ApiRequest chat(ObjectNode body, ObjectMapper json) {
        JsonNode list = body.get("messages");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw ApiError.badRequest("missing_field", "'messages' is required: a non-empty array of "
                    + "{\"role\", \"content\"} objects");
        }
        List<Map<String, Object>> messages = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode m = list.get(i);
            if (!m.isObject() || !m.path("role").isTextual()) {
                throw ApiError.badRequest("invalid_value", "messages[" + i + "] needs a string 'role'");
            }
            Map<String, Object> message = json.convertValue(m, MAP);
            message.put("content", text(m.get("content"), "messages[" + i + "].content"));
            messages.add(message);
        }
        List<Map<String, Object>> tools = null;
        JsonNode t = body.get("tools");
        if (t != null && !t.isNull()) {
            if (!t.isArray()) {
                throw ApiError.badRequest("invalid_value", "'tools' must be an array");
            }
            tools = new ArrayList<>();
            for (JsonNode tool : t) {
                tools.add(json.convertValue(tool, MAP));
            }
        }
        return common(body, messages, tools, null);
    }

    /** @return the checked request of a text completion */
    static ApiRequest completion(ObjectNode body) {
        JsonNode p = body.get("prompt");
        if (p != null && p.isArray() && p.size() == 1 && p.get(0).isTextual()) {
            p = p.get(0); // the OpenAI API takes a list of prompts; one is what a single completion means
        }
        if (p == null || !p.isTextual()) {
            throw ApiError.badRequest("missing_field", "'prompt' is required: a string");
        }
        return common(body, null, null, p.asText());
    }

    private static ApiRequest common(ObjectNode body, List<Map<String, Object>> messages,
                                     List<Map<String, Object>> tools, String prompt) {
        int n = intField(body, "n", 1);
        if (n != 1) {
            throw ApiError.badRequest("invalid_value", "'n' must be 1 (one choice per request), got " + n);
        }
        // max_completion_tokens is the current name, max_tokens the older one that completions still use
        String limit = body.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        Integer maxTokens = body.hasNonNull(limit) ? intField(body, limit, 0) : null;
        if (maxTokens != null && maxTokens < 0) {
            throw ApiError.badRequest("invalid_value", "'" + limit + "' must be >= 0, got " + maxTokens);
        }
        SamplerSpec sampler;
        try {
            SamplerSpec.Builder b = SamplerSpec.builder()
                    .temperature(floatField(body, "temperature", 0.8f))
                    .topP(floatField(body, "top_p", 0.95f))
                    .topK(intField(body, "top_k", 40))
                    .minP(floatField(body, "min_p", 0.05f))
                    .repeatPenalty(floatField(body, "repeat_penalty", 1.0f));
            if (body.hasNonNull("seed")) {
                JsonNode seed = body.get("seed");
                if (!seed.canConvertToLong()) {
                    throw ApiError.badRequest("invalid_value", "'seed' must be an integer, got " + seed);
                }
                b.seed(seed.asLong());
            }
            sampler = b.build();
        } catch (EmberException e) {
            throw ApiError.badRequest("invalid_value", e.getMessage());
        }
        return new ApiRequest(messages, tools, prompt, maxTokens, sampler, stops(body.get("stop")),
                booleanField(body, "stream"), body.path("stream_options").path("include_usage").asBoolean(false));
    }

    /** @return a message's content as text: a string, null, or the text parts of a list joined */
    private static String text(JsonNode content, String field) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder b = new StringBuilder();
            for (JsonNode part : content) {
                if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiError.badRequest("invalid_value", field + ": only text parts are supported, got "
                            + part.path("type"));
                }
                b.append(part.get("text").asText());
            }
            return b.toString();
        }
        throw ApiError.badRequest("invalid_value", field + " must be a string or a list of text parts");
    }

    private static List<String> stops(JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        if (stop.isTextual()) {
            return List.of(stop.asText());
        }
        if (stop.isArray()) {
            List<String> stops = new ArrayList<>();
            for (JsonNode s : stop) {
                if (!s.isTextual()) {
                    throw ApiError.badRequest("invalid_value", "'stop' must be a string or an array of strings");
                }
                if (!s.asText().isEmpty()) {
                    stops.add(s.asText());
                }
            }
            return stops;
        }
        throw ApiError.badRequest("invalid_value", "'stop' must be a string or an array of strings");
    }

    private static int intField(JsonNode body, String name, int fallback) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw ApiError.badRequest("invalid_value", "'" + name + "' must be an integer, got " + v);
        }
        return v.asInt();
    }

    private static float floatField(JsonNode body, String name, float fallback) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw ApiError.badRequest("invalid_value", "'" + name + "' must be a number, got " + v);
        }
        return (float) v.asDouble();
    }

    private static boolean booleanField(JsonNode body, String name) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw ApiError.badRequest("invalid_value", "'" + name + "' must be true or false, got " + v);
        }
        return v.asBoolean();
    }

    /** @return a map for the template's extra variables (e.g. chat_template_kwargs), never null */
    static Map<String, Object> templateKwargs(ObjectNode body, ObjectMapper json) {
        JsonNode kwargs = body.get("chat_template_kwargs");
        return kwargs != null && kwargs.isObject() ? json.convertValue(kwargs, MAP) : new LinkedHashMap<>();
    }
}
