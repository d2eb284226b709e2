package dev.ember.cli;

import dev.ember.EmberException;
import dev.ember.GenerationResult;
import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.SessionOptions;
import dev.ember.chat.ChatTemplate;
import dev.ember.chat.Conversation;
import dev.ember.sampling.SamplerSpec;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code ember chat}: a multi-turn chat in the terminal with the model's own chat template. Line editing and
 * history come from JLine on a terminal; piped input is read line by line. Replies stream as they are
 * generated and end at the template's end-of-turn token; Ctrl-C stops a reply, Ctrl-D leaves. The KV cache keeps the conversation, so each turn
 * evaluates only its new tokens: the line after each reply says how many.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat with a model in the terminal (/reset starts over, /exit leaves).")
final class ChatCommand implements Callable<Integer> {
    /** Where input comes from: the terminal, or (tests, pipes) any stream. */
    static InputStream input = System.in;

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, description = "GGUF model file")
    Path model;

    @Option(names = {"--system"}, paramLabel = "TEXT", description = "the system prompt that opens the chat")
    String system;

    @Mixin
    TemplateOption templateOption;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", defaultValue = "512",
            description = "most tokens per reply (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = {"-c", "--ctx"}, paramLabel = "N", defaultValue = "0",
            description = "context length (default: the model's, at most 4096)")
    int ctx;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() throws IOException {
        CommandLine cmd = spec.commandLine();
        SamplerSpec sampler = EngineOptions.checked(cmd, () -> sampling.sampler());
        if (maxTokens < 1) {
            throw new CommandLine.ParameterException(cmd, "--max-tokens must be >= 1, got " + maxTokens);
        }
        LoadOptions loadOptions = engine.loadOptions(cmd);
        SessionOptions sessionOptions = engine.sessionOptions(cmd, ctx);
        PrintWriter out = cmd.getOut();
        PrintWriter err = cmd.getErr();
        try (Model m = EngineOptions.load(model, loadOptions); Lines lines = Lines.open(input)) {
            ChatTemplate template = templateOption.template(m);
            Conversation chat = new Conversation(m.newSession(sessionOptions), template, system);
            err.println("ember chat: " + m + "; template: " + template
                    + (template.isFallback() ? ", as llama-server does" : "") + ", context "
                    + chat.session().contextLength() + " tokens. /reset starts over, /exit leaves.");
            err.flush();
            for (String line; (line = lines.read("> ")) != null; ) {
                String text = line.strip();
                if (text.isEmpty()) {
                    continue;
                }
                if (text.equals("/exit") || text.equals("/quit")) {
                    break;
                }
                if (text.equals("/reset")) {
                    chat.reset();
                    err.println("(conversation reset)");
                    err.flush();
                    continue;
                }
                try {
                    lines.interrupted(); // a Ctrl-C from before this reply does not cut it
                    GenerationResult r = chat.send(text, sampler, maxTokens, piece -> {
                        out.print(piece);
                        out.flush();
                        return !lines.interrupted(); // Ctrl-C stops the reply, not the chat
                    });
                    out.println();
                    out.flush();
                    err.println(turnSummary(r));
                } catch (EmberException e) { // the template refused, or the context is full: say so, go on
                    out.println();
                    err.println("ember: " + e.getMessage() + (e.getMessage().contains("context") ? " (/reset)" : ""));
                }
                err.flush();
            }
        }
        return 0;
    }

    /** @return one line: prompt tokens evaluated against those the cache already held, reply length and speed */
    static String turnSummary(GenerationResult r) {
        int prompt = r.promptTokens().length;
        int evaluated = r.prefill().tokens();
        return String.format(Locale.ROOT, "[prompt %d tokens: %d new, %d from the cache, evaluated in %.3f s; "
                        + "reply %d tokens at %.1f tok/s; stop: %s]", prompt, evaluated, prompt - evaluated,
                r.prefill().seconds(), r.decode().tokens(), r.decode().tokensPerSecond(),
                r.stopReason().name().toLowerCase(Locale.ROOT));
    }

    /** The user's lines: JLine (editing, history) on a terminal, plain lines from a pipe. */
    private interface Lines extends AutoCloseable {
        /** @return the next line, or null at the end of input (Ctrl-D, or Ctrl-C at the prompt) */
        String read(String prompt) throws IOException;

        /** @return whether Ctrl-C was pressed since the last call (on a terminal; never for a pipe) */
        default boolean interrupted() {
            return false;
        }

        @Override
        void close() throws IOException;

        static Lines open(InputStream in) throws IOException {
            if (in == System.in && System.console() != null && System.console().isTerminal()) {
                Terminal terminal = TerminalBuilder.builder().system(true).build();
                LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("ember")
                        .variable(LineReader.HISTORY_FILE, DemoCommand.cacheDir().resolve("chat_history"))
                        .build();
                AtomicBoolean interrupt = new AtomicBoolean();
                terminal.handle(Terminal.Signal.INT, signal -> interrupt.set(true));
                return new Lines() {
                    @Override
                    public boolean interrupted() {
                        return interrupt.getAndSet(false);
                    }

                    @Override
                    public String read(String prompt) {
                        try {
                            return reader.readLine(prompt);
                        } catch (UserInterruptException | EndOfFileException e) {
                            return null;
                        }
                    }

                    @Override
                    public void close() throws IOException {
                        terminal.close();
                    }
                };
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            return new Lines() {
                @Override
                public String read(String prompt) throws IOException {
                    return reader.readLine();
                }

                @Override
                public void close() {
                    // the caller owns the stream
                }
            };
        }
    }
}
