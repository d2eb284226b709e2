package dev.ember.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import dev.ember.Model;
import dev.ember.gguf.GgufMetadata;
import dev.ember.tokenizer.Vocabulary;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's chat template: the Jinja program in the GGUF's {@code tokenizer.chat_template} that turns a
 * conversation into the prompt text the model was trained on, rendered as Hugging Face transformers renders it
 * (see {@link HfJinja}). A file without a template gets ChatML, as llama-server does, and says so
 * ({@link #isFallback()}).
 *
 * <pre>
 * ChatTemplate template = ChatTemplate.of(model);
 * String prompt = template.render(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi!")), true);
 * </pre>
 *
 * Immutable and thread-safe.
 */
public final class ChatTemplate {
    /** The GGUF key that holds the template. */
    public static final String METADATA_KEY = "tokenizer.chat_template";

    /** ChatML, the fallback for files without a template (llama-server's choice too). */
    public static final String CHATML = "{%- for message in messages %}"
            + "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
            + "{%- endfor %}"
            + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

    private static final Jinjava ENGINE = HfJinja.newEngine();

    private final String source;
    private final String adapted;
    private final String bosToken;
    private final String eosToken;
    private final boolean fallback;
    private final String origin;

    private ChatTemplate(String source, String bosToken, String eosToken, boolean fallback, String origin) {
        this.source = source;
        this.adapted = TemplateSource.adapt(source);
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.fallback = fallback;
        this.origin = origin;
    }

    /** @return a template from its Jinja source and the texts of the BOS and EOS tokens it may print */
    public static ChatTemplate of(String source, String bosToken, String eosToken) {
        return new ChatTemplate(source, bosToken, eosToken, false, "a template given in place of the file's");
    }

    /** @return the template of a loaded model (ChatML if its file has none) */
    public static ChatTemplate of(Model model) {
        return fromGguf(model.gguf().metadata(), model.tokenizer().vocabulary());
    }

    /**
     * @return {@code source} (e.g. from llama.cpp's {@code --chat-template-file}) in place of the model's template,
     *         with the model's BOS/EOS texts
     */
    public static ChatTemplate of(Model model, String source) {
        Vocabulary vocab = model.tokenizer().vocabulary();
        return of(source, text(vocab, vocab.bos()), text(vocab, vocab.eos()));
    }

    /** @return the template in a GGUF's metadata, with its vocabulary's BOS/EOS texts (ChatML if it has none) */
    public static ChatTemplate fromGguf(GgufMetadata metadata, Vocabulary vocab) {
        String bos = text(vocab, vocab.bos());
        String eos = text(vocab, vocab.eos());
        String source = metadata.getString(METADATA_KEY, null);
        return source == null || source.isBlank()
                ? new ChatTemplate(CHATML, bos, eos, true, "ChatML (fallback: the file has no " + METADATA_KEY + ")")
                : new ChatTemplate(source, bos, eos, false, "the file's " + METADATA_KEY);
    }

    /** @return a special token's text as templates see it ({@code bos_token}), "" when the vocabulary has none */
    private static String text(Vocabulary vocab, int id) {
        return id == Vocabulary.NONE ? "" : vocab.token(id);
    }

    /** @return the conversation as prompt text; see {@link #render(List, List, boolean, Map)} */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages.stream().map(ChatMessage::toMap).toList(), null, addGenerationPrompt, Map.of());
    }

    /**
     * Renders a conversation.
     *
     * @param messages            the messages as the OpenAI API and transformers see them: maps with
     *                            {@code role}, {@code content} (a string or a list of parts) and optionally
     *                            {@code tool_calls}, {@code name}, {@code tool_call_id}
     * @param tools               tool definitions ({@code {"type": "function", "function": {...}}}), or null
     * @param addGenerationPrompt end with the header of the assistant's turn, so the model answers
     * @param extra               further variables (e.g. {@code enable_thinking}), may be empty
     * @return the prompt text, special-token text included (tokenize it with special tokens parsed)
     * @throws ChatTemplateException if the template raises an exception or cannot be rendered
     */
    public String render(List<? extends Map<String, ?>> messages, List<? extends Map<String, ?>> tools,
                         boolean addGenerationPrompt, Map<String, ?> extra) {
        Map<String, Object> bindings = new HashMap<>(extra);
        bindings.put("messages", messages);
        bindings.put("tools", tools);
        bindings.put("add_generation_prompt", addGenerationPrompt);
        bindings.put("bos_token", bosToken);
        bindings.put("eos_token", eosToken);
        RenderResult result = ENGINE.renderForResult(adapted, bindings);
        for (TemplateError error : result.getErrors()) {
            HfJinja.RaisedException raised = raised(error.getException());
            if (raised != null) {
                throw new ChatTemplateException("the chat template refused the conversation: " + raised.getMessage(),
                        true);
            }
        }
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new ChatTemplateException("the chat template failed at line " + error.getLineno() + ": "
                        + error.getMessage(), false);
            }
        }
        return result.getOutput();
    }

    private static HfJinja.RaisedException raised(Throwable t) {
        for (; t != null; t = t.getCause()) {
            if (t instanceof HfJinja.RaisedException r) {
                return r;
            }
        }
        return null;
    }

    /** @return the Jinja source as the file holds it (or ChatML's) */
    public String source() {
        return source;
    }

    /** @return true if the file had no template and ChatML stands in */
    public boolean isFallback() {
        return fallback;
    }

    /** @return the BOS token's text, as the template sees {@code bos_token} */
    public String bosToken() {
        return bosToken;
    }

    /** @return the EOS token's text, as the template sees {@code eos_token} */
    public String eosToken() {
        return eosToken;
    }

    /**
     * @return text that ends the assistant's turn when the vocabulary has no token for it: ChatML's markers
     *         for the fallback (a model that never learnt them writes them as plain text), else none (the
     *         end-of-turn tokens end generation)
     */
    public List<String> stopStrings() {
        return fallback ? List.of("<|im_end|>", "<|im_start|>") : List.of();
    }

    /** @return where the template comes from, for a user: the file's, ChatML as a fallback, or a given one */
    @Override
    public String toString() {
        return origin;
    }
}
