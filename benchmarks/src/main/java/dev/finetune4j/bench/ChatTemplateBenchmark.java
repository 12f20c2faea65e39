package dev.finetune4j.bench;

import dev.finetune4j.tokenizer.ChatTemplate;
import dev.finetune4j.tokenizer.HfTokenizer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time to render one 7-message conversation (system + 3 user/assistant turns, real Dolly texts) with the chat
 * templates of the Llama-3.2 and Qwen2.5 tokenizer folders.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-DOPT_OUT_TRACKING=true"})
@State(Scope.Benchmark)
public class ChatTemplateBenchmark {

    @Param({"llama3.2", "qwen2.5"})
    public String tokenizer;

    ChatTemplate template;
    List<Map<String, Object>> conversation;

    @Setup
    public void setUp() {
        try (HfTokenizer tok = HfTokenizer.load(BenchData.conformance().resolve("tokenizers").resolve(tokenizer))) {
            ChatTemplate t = tok.chatTemplate().orElseThrow();
            template = t instanceof dev.finetune4j.tokenizer.template.JinjaChatTemplate j
                    ? j.withClock(Clock.fixed(Instant.parse("2025-07-10T00:00:00Z"), ZoneOffset.UTC)) : t;
        }
        List<String> texts = BenchData.texts();
        conversation = new ArrayList<>();
        conversation.add(Map.of("role", "system", "content", "You are a helpful assistant."));
        for (int i = 0; i < 3; i++) {
            conversation.add(Map.of("role", "user", "content", texts.get(2 * i)));
            conversation.add(Map.of("role", "assistant", "content", texts.get(2 * i + 1)));
        }
    }

    @Benchmark
    public String render() {
        return template.render(conversation, false, Map.of());
    }
}
