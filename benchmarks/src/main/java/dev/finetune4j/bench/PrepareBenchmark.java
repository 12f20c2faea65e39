package dev.finetune4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune4j.data.DataOptions;
import dev.finetune4j.data.DatasetPreparer;
import dev.finetune4j.data.PreparedData;
import dev.finetune4j.data.TaskType;
import dev.finetune4j.tokenizer.HfTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * End-to-end data preparation (read + validate + template + tokenize + pack, no cache) with the real Llama-3.2
 * tokenizer of ../shared/conformance, on {@code workers} tokenizer threads. The {@code tokens} counter is the
 * throughput in tokens/s (the primary score counts prepare calls per second). Input: the 300 Dolly/HH lines of the
 * conformance datasets repeated 10 times, as prompt/response JSONL or as two-turn chats.
 * Run from the reactor root: {@code java -jar benchmarks/target/benchmarks.jar PrepareBenchmark}
 * ({@code -Dconformance.dir=…} if the conformance folder is elsewhere).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
@Threads(1)
public class PrepareBenchmark {

    @Param({"INSTRUCTION_FINETUNE", "CHAT_COMPLETION"})
    public String taskType;

    @Param({"2"})
    public int workers;

    private HfTokenizer tokenizer;
    private Path dir;
    private DataOptions options;

    /** Tokens prepared, reported by JMH as a rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Tokens {
        public long tokens;

        @Setup(Level.Iteration)
        public void reset() {
            tokens = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path conformance = Path.of(System.getProperty("conformance.dir", "../shared/conformance"));
        tokenizer = HfTokenizer.load(conformance.resolve("tokenizers/llama3.2"));
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> pairs = new ArrayList<>();
        for (String line : Files.readAllLines(conformance.resolve("datasets/dolly_hhrlhf_train_small.head300.jsonl"))) {
            pairs.add(json.readTree(line));
        }
        dir = Files.createTempDirectory("prepare-bench");
        StringBuilder out = new StringBuilder();
        TaskType type = TaskType.valueOf(taskType);
        for (int copy = 0; copy < 10; copy++) {
            for (int i = 0; i < pairs.size(); i++) {
                JsonNode a = pairs.get(i);
                if (type == TaskType.INSTRUCTION_FINETUNE) {
                    out.append(json.writeValueAsString(a)).append('\n');
                } else {
                    JsonNode b = pairs.get((i + 1) % pairs.size());
                    ObjectNode chat = json.createObjectNode();
                    ArrayNode messages = chat.putArray("messages");
                    messages.addObject().put("role", "user").put("content", a.path("prompt").asText());
                    messages.addObject().put("role", "assistant").put("content", a.path("response").asText());
                    messages.addObject().put("role", "user").put("content", b.path("prompt").asText());
                    messages.addObject().put("role", "assistant").put("content", b.path("response").asText());
                    out.append(json.writeValueAsString(chat)).append('\n');
                }
            }
        }
        Path file = Files.writeString(dir.resolve("data.jsonl"), out, StandardCharsets.UTF_8);
        options = DataOptions.builder(type, file, 2048).preprocessingNumWorkers(workers).chatDateString("26 Jul 2024").build();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        tokenizer.close();
        Files.deleteIfExists(dir.resolve("data.jsonl"));
        Files.deleteIfExists(dir);
    }

    /** One full preparation of the split. */
    @Benchmark
    public PreparedData prepare(Tokens counter) {
        PreparedData d = DatasetPreparer.prepare(options, tokenizer);
        counter.tokens += d.trainStats().tokens();
        return d;
    }
}
