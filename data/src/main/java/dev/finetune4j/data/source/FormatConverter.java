package dev.finetune4j.data.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.data.DataValidationException;
import dev.finetune4j.data.Problem;
import dev.finetune4j.data.TaskType;
import dev.finetune4j.data.ValidationReport;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Converts common community formats into the accepted ones: ShareGPT ({@code conversations: [{from, value}]}) into
 * chat JSONL, and Alpaca-style ({@code instruction}, optional {@code input}, {@code output}/{@code response}) into
 * prompt/response JSONL. Any bad record fails the conversion with {@code file:line: reason} and nothing is written;
 * the output appears atomically (temp file, fsync, rename).
 */
public final class FormatConverter {

    /** ShareGPT speaker names and the chat roles they become. */
    static final Map<String, String> SHAREGPT_ROLES = Map.of("system", "system", "human", "user", "user", "user",
            "gpt", "assistant", "assistant", "assistant", "chatgpt", "assistant", "bing", "assistant", "bard", "assistant");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a conversion did. */
    public record Result(Path output, long records, Set<String> ignoredKeys) {
    }

    private FormatConverter() {
    }

    /** ShareGPT JSON/JSONL → {@code {"messages": …}} JSONL. */
    public static Result shareGptToChat(Path input, Path output) {
        return convert(input, output, TaskType.CHAT_COMPLETION, (file, line, record, ignored) -> {
            List<String> problems = new ArrayList<>();
            JsonNode turns = record.get("conversations");
            if (!record.isObject() || turns == null || !turns.isArray()) {
                problems.add("a ShareGPT record needs 'conversations': [{\"from\", \"value\"}, …]");
                return new ReadSample(file, line, null, problems, true);
            }
            ignored.addAll(Json.extra(Json.keys(record), Set.of("conversations")));
            List<Message> messages = new ArrayList<>();
            for (int i = 0; i < turns.size(); i++) {
                JsonNode t = turns.get(i);
                String role = SHAREGPT_ROLES.get(t.path("from").asText(""));
                if (!t.isObject() || role == null || !t.path("value").isTextual()) {
                    problems.add("conversations[" + i + "] needs 'from' (one of " + new TreeSet<>(SHAREGPT_ROLES.keySet())
                            + ") and a string 'value'");
                } else {
                    messages.add(new Message(role, t.get("value").asText()));
                }
            }
            return new ReadSample(file, line, problems.isEmpty() ? new ChatExample(messages) : null, problems, true);
        });
    }

    /** Alpaca-style JSON/JSONL → {@code {"prompt", "response"}} JSONL (a non-empty input follows the instruction after a blank line). */
    public static Result alpacaToPromptResponse(Path input, Path output) {
        return convert(input, output, TaskType.INSTRUCTION_FINETUNE, (file, line, record, ignored) -> {
            JsonNode instruction = record.get("instruction");
            JsonNode in = record.get("input");
            JsonNode out = record.has("output") ? record.get("output") : record.get("response");
            if (!record.isObject() || instruction == null || !instruction.isTextual() || out == null || !out.isTextual()
                    || (in != null && !in.isTextual())) {
                return new ReadSample(file, line, null, List.of("an Alpaca record needs string 'instruction' and "
                        + "'output' (or 'response'), and 'input' if present must be a string"), true);
            }
            ignored.addAll(Json.extra(Json.keys(record), Set.of("instruction", "input", "output", "response")));
            String prompt = instruction.asText() + (in == null || in.asText().isEmpty() ? "" : "\n\n" + in.asText());
            return new ReadSample(file, line, new PromptResponseExample(prompt, out.asText()), List.of(), true);
        });
    }

    /** Parses one record, collecting keys it ignores. */
    private interface Converter {
        ReadSample convert(Path file, long line, JsonNode record, Set<String> ignored);
    }

    private static Result convert(Path input, Path output, TaskType type, Converter converter) {
        Set<String> ignored = new TreeSet<>();
        List<Problem> problems = new ArrayList<>();
        long records = 0;
        Path dir = output.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + output.getFileName(), ".tmp");
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp));
                 SampleReader reader = SampleReader.open(input, type, (file, line, record) -> converter.convert(file, line, record, ignored))) {
                while (reader.hasNext()) {
                    ReadSample s = reader.next();
                    records++;
                    if (!s.valid()) {
                        problems.addAll(s.asProblems());
                    } else if (problems.isEmpty()) {
                        out.write(JSON.writeValueAsBytes(toJson(s.example())));
                        out.write('\n');
                    }
                }
            }
            if (problems.isEmpty()) {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                Files.move(tmp, output, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new dev.finetune4j.data.DataFormatException(output, "cannot write: " + e.getMessage(), e);
        } finally {
            try {
                if (tmp != null) {
                    Files.deleteIfExists(tmp);
                }
            } catch (IOException e) {
                // the temp file is left behind; the output was not touched
            }
        }
        if (!problems.isEmpty()) {
            ValidationReport report = new ValidationReport(records, problems.size(), problems.size(),
                    problems.subList(0, Math.min(problems.size(), ValidationReport.KEPT)), 0, List.of(), List.of());
            throw new DataValidationException(problems.size() + " of " + records + " records of " + input
                    + " cannot be converted; nothing was written", report);
        }
        return new Result(output, records, ignored);
    }

    private static JsonNode toJson(Example e) {
        ObjectNode o = JSON.createObjectNode();
        if (e instanceof ChatExample chat) {
            ArrayNode messages = o.putArray("messages");
            chat.messages().forEach(m -> messages.addObject().put("role", m.role()).put("content", m.content()));
        } else if (e instanceof PromptResponseExample pr) {
            o.put("prompt", pr.prompt()).put("response", pr.response());
        }
        return o;
    }
}
