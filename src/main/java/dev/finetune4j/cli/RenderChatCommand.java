package dev.finetune4j.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune4j.fetch.HubInputs;
import dev.finetune4j.tokenizer.ChatTemplate;
import dev.finetune4j.tokenizer.ChatTemplates;
import dev.finetune4j.tokenizer.HfTokenizer;
import dev.finetune4j.tokenizer.template.JinjaChatTemplate;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code finetune4j render-chat}: renders a conversation with a tokenizer folder's chat template (or a template
 * file) and writes the text, byte-exact UTF-8 with no added newline, to stdout. The input file has the shape of the
 * conformance cases: {@code messages}, {@code add_generation_prompt} (absent/null = not passed), optional
 * {@code extra_context} and {@code strftime_now_date} (top level or under {@code render_options}).
 */
@Command(name = "render-chat", mixinStandardHelpOptions = true,
        description = "Renders a conversation with a chat template, byte-exact, on stdout.")
public final class RenderChatCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ArgGroup(exclusive = true, multiplicity = "1")
    TemplateSource source;

    static final class TemplateSource {
        @Option(names = "--tokenizer", paramLabel = "DIR", description = "Tokenizer folder (or Hub model id org/name[@rev]) whose chat template is used.")
        String tokenizer;

        @Option(names = "--template", paramLabel = "FILE", description = "A Jinja chat template file.")
        Path template;
    }

    @Option(names = "--input", required = true, paramLabel = "CASE.json",
            description = "JSON object: messages, add_generation_prompt, extra_context, strftime_now_date.")
    Path input;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        String caseText = TokenizeCommand.readUtf8(input, "--input", spec);
        JsonNode root;
        try {
            root = JSON.readTree(caseText);
        } catch (IOException e) {
            throw bad("is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw bad("must hold a JSON object with 'messages'");
        }
        List<Map<String, Object>> messages = messages(root.get("messages"));
        JsonNode agp = root.get("add_generation_prompt");
        if (agp != null && !agp.isNull() && !agp.isBoolean()) {
            throw bad("add_generation_prompt must be true, false or null, got " + agp);
        }
        Boolean addGenerationPrompt = agp == null || agp.isNull() ? null : agp.asBoolean();
        JsonNode extra = root.get("extra_context");
        if (extra != null && !extra.isNull() && !extra.isObject()) {
            throw bad("extra_context must be an object, got " + extra.getNodeType());
        }
        Map<String, Object> extraContext = extra == null || extra.isNull() ? Map.of()
                : JSON.convertValue(extra, new TypeReference<Map<String, Object>>() { });
        Clock clock = clock(root);

        String text;
        if (source.template != null) {
            String templateSource = TokenizeCommand.readUtf8(source.template, "--template", spec);
            text = JinjaChatTemplate.compile(templateSource, source.template.getFileName().toString(), Map.of())
                    .withClock(clock).render(messages, addGenerationPrompt, extraContext);
        } else {
            try (HfTokenizer tok = HfTokenizer.load(HubInputs.modelFolder(source.tokenizer, true))) {
                ChatTemplate template = ChatTemplates.resolve(tok, false);
                if (template instanceof JinjaChatTemplate jinja) {
                    template = jinja.withClock(clock);
                }
                text = template.render(messages, addGenerationPrompt, extraContext);
            }
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        PrintStream out = System.out;
        out.write(bytes, 0, bytes.length);
        out.flush();
        return 0;
    }

    private List<Map<String, Object>> messages(JsonNode node) {
        if (node == null || !node.isArray()) {
            throw bad("needs 'messages': a list of {\"role\", \"content\"} objects");
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            if (!node.get(i).isObject()) {
                throw bad("messages[" + i + "] must be an object, got " + node.get(i).getNodeType());
            }
            out.add(JSON.convertValue(node.get(i), new TypeReference<Map<String, Object>>() { }));
        }
        return out;
    }

    /** strftime_now is pinned to midnight UTC of {@code strftime_now_date} when given, else the system clock. */
    private Clock clock(JsonNode root) {
        JsonNode date = root.has("strftime_now_date") ? root.get("strftime_now_date")
                : root.path("render_options").get("strftime_now_date");
        if (date == null || date.isNull()) {
            return Clock.systemDefaultZone();
        }
        try {
            LocalDate d = LocalDate.parse(date.asText());
            return Clock.fixed(d.atStartOfDay(ZoneOffset.UTC).toInstant(), ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw bad("strftime_now_date must be a date like 2025-07-10, got " + date);
        }
    }

    private CommandLine.ParameterException bad(String what) {
        return new CommandLine.ParameterException(spec.commandLine(), "--input " + input + " " + what);
    }
}
