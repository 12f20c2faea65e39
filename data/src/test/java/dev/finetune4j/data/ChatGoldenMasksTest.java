package dev.finetune4j.data;

import dev.finetune4j.testkit.Conformance;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune4j.tokenizer.ChatTemplate;
import dev.finetune4j.tokenizer.HfTokenizer;
import dev.finetune4j.tokenizer.TextTokenizer;
import dev.finetune4j.tokenizer.template.JinjaChatTemplate;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Golden label masks with the real tokenizers of ../shared/conformance/tokenizers: a two-turn chat goes through the
 * whole preparer and the trained spans must be exactly the assistant turns (with the end-of-turn tokens the
 * template writes, plus EOS where llm-foundry appends it), nothing else, with special tokens where the template
 * puts them. Mistral v0.1's folder has no chat template, so the Mistral-7B-Instruct-v0.1 template of the
 * chat-templates conformance suite is used with it.
 */
class ChatGoldenMasksTest {

    static final String DATE = "26 Jul 2024";
    static final String CHAT = "{\"messages\": ["
            + "{\"role\": \"user\", \"content\": \"What is the capital of France?\"},"
            + "{\"role\": \"assistant\", \"content\": \"Paris.\"},"
            + "{\"role\": \"user\", \"content\": \"And of Italy?\"},"
            + "{\"role\": \"assistant\", \"content\": \"Rome, since 1871.\"}]}";
    static final String CHAT_WITH_SYSTEM = CHAT.replace("{\"messages\": [",
            "{\"messages\": [{\"role\": \"system\", \"content\": \"Answer briefly.\"},");

    static HfTokenizer llama;
    static HfTokenizer qwen;
    static HfTokenizer mistral;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        Path root = Conformance.path("tokenizers");
        llama = HfTokenizer.load(root.resolve("llama3.2"));
        qwen = HfTokenizer.load(root.resolve("qwen2.5"));
        mistral = HfTokenizer.load(root.resolve("mistral-7b-v0.1"));
    }

    @AfterAll
    static void close() {
        for (HfTokenizer t : new HfTokenizer[] {llama, qwen, mistral}) {
            if (t != null) {
                t.close();
            }
        }
    }

    /** The Mistral-7B-Instruct-v0.1 template from the chat-templates conformance suite. */
    static ChatTemplate mistralInstructTemplate() throws IOException {
        JsonNode cases = new ObjectMapper().readTree(Conformance.path("chat-templates/cases.json").toFile());
        for (JsonNode c : cases.path("cases")) {
            if (c.path("id").asText().endsWith("TheBloke/Mistral-7B-Instruct-v0.1-GPTQ")) {
                return JinjaChatTemplate.compile(c.path("template").asText(), "Mistral-7B-Instruct-v0.1",
                        Map.of("bos_token", "<s>", "eos_token", "</s>"));
            }
        }
        throw new IllegalStateException("Mistral-7B-Instruct-v0.1 template not in cases.json");
    }

    private PackedRow prepareOne(TextTokenizer tok, String line, TargetResponses responses) {
        Path file = TestFiles.write(dir, "chat.jsonl", line);
        DataOptions o = DataOptions.builder(TaskType.CHAT_COMPLETION, file, 4096).chatDateString(DATE)
                .targetResponses(responses).build();
        PreparedData d = DatasetPreparer.prepare(o, tok);
        assertEquals(0, d.report().invalidSamples(), d.report().format());
        assertEquals(1, d.train().rows());
        return d.train().row(0);
    }

    /** Maximal runs of trained labels, each as [from, to). */
    static List<int[]> trainedRuns(int[] labels) {
        List<int[]> runs = new ArrayList<>();
        int t = 0;
        while (t < labels.length) {
            if (labels[t] == Batch.IGNORE_INDEX) {
                t++;
                continue;
            }
            int from = t;
            while (t < labels.length && labels[t] != Batch.IGNORE_INDEX) {
                t++;
            }
            runs.add(new int[] {from, t});
        }
        return runs;
    }

    static String decode(TextTokenizer tok, int[] ids, int[] run) {
        return tok.decode(java.util.Arrays.copyOfRange(ids, run[0], run[1]), false);
    }

    static long count(int[] ids, int id) {
        return IntStream.of(ids).filter(i -> i == id).count();
    }

    private void assertGolden(TextTokenizer tok, String line, String renderedConversation, List<String> trainedText) {
        PackedRow all = prepareOne(tok, line, TargetResponses.ALL);
        // the turn-wise tokenization reassembles the rendered conversation (plus any appended EOS)
        String decoded = tok.decode(all.inputIds(), false);
        assertTrue(decoded.startsWith(renderedConversation.strip()) || decoded.startsWith(renderedConversation),
                () -> "decoded: " + decoded);
        for (int t = 0; t < all.length(); t++) {
            assertTrue(all.labels()[t] == Batch.IGNORE_INDEX || all.labels()[t] == all.inputIds()[t]);
        }
        List<int[]> runs = trainedRuns(all.labels());
        List<String> got = runs.stream().map(r -> decode(tok, all.inputIds(), r)).toList();
        assertEquals(trainedText, got, "trained spans (target_responses=all)");

        PackedRow last = prepareOne(tok, line, TargetResponses.LAST);
        assertArrayEquals(all.inputIds(), last.inputIds());
        List<String> lastOnly = trainedRuns(last.labels()).stream().map(r -> decode(tok, last.inputIds(), r)).toList();
        assertEquals(List.of(trainedText.get(trainedText.size() - 1)), lastOnly, "trained spans (target_responses=last)");
    }

    @Test
    void llama32() {
        String header = "<|start_header_id|>";
        String rendered = "<|begin_of_text|>" + header + "system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\n"
                + "Today Date: 26 Jul 2024\n\nAnswer briefly.<|eot_id|>"
                + header + "user<|end_header_id|>\n\nWhat is the capital of France?<|eot_id|>"
                + header + "assistant<|end_header_id|>\n\nParis.<|eot_id|>"
                + header + "user<|end_header_id|>\n\nAnd of Italy?<|eot_id|>"
                + header + "assistant<|end_header_id|>\n\nRome, since 1871.<|eot_id|>";
        // <|eot_id|> is the tokenizer's EOS, so nothing is appended (docs/training.md §4.3)
        assertGolden(llama, CHAT_WITH_SYSTEM, rendered, List.of("Paris.<|eot_id|>", "Rome, since 1871.<|eot_id|>"));
        PackedRow row = prepareOne(llama, CHAT_WITH_SYSTEM, TargetResponses.ALL);
        assertEquals(128000, row.inputIds()[0]);
        assertEquals(1, count(row.inputIds(), 128000), "exactly one BOS");
        assertEquals(5, count(row.inputIds(), llama.tokenToId("<|start_header_id|>").getAsInt()));
        assertEquals(5, count(row.inputIds(), llama.tokenToId("<|eot_id|>").getAsInt()));
        assertEquals(llama.tokenToId("<|eot_id|>").getAsInt(), row.inputIds()[row.length() - 1]);
        assertTrue(DatasetPreparer.templateAcceptsSystem(llama));
    }

    @Test
    void qwen25() {
        String rendered = "<|im_start|>system\nAnswer briefly.<|im_end|>\n"
                + "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n"
                + "<|im_start|>assistant\nParis.<|im_end|>\n"
                + "<|im_start|>user\nAnd of Italy?<|im_end|>\n"
                + "<|im_start|>assistant\nRome, since 1871.<|im_end|>\n";
        // the last response ends in "\n", not in EOS <|im_end|>, so llm-foundry appends EOS (docs/training.md §4.3)
        assertGolden(qwen, CHAT_WITH_SYSTEM, rendered,
                List.of("Paris.<|im_end|>\n", "Rome, since 1871.<|im_end|>\n<|im_end|>"));
        PackedRow row = prepareOne(qwen, CHAT, TargetResponses.ALL);
        String decoded = qwen.decode(row.inputIds(), false);
        assertTrue(decoded.startsWith("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"),
                "Qwen's default system prompt comes from the template: " + decoded);
        assertEquals(5, count(row.inputIds(), qwen.tokenToId("<|im_start|>").getAsInt()));
        assertTrue(DatasetPreparer.templateAcceptsSystem(qwen));
    }

    @Test
    void mistral7bV01() throws IOException {
        TextTokenizer tok = withTemplate(mistral, mistralInstructTemplate());
        String rendered = "<s>[INST] What is the capital of France? [/INST]Paris.</s> [INST] And of Italy? [/INST]Rome, since 1871.</s> ";
        PackedRow row = prepareOne(tok, CHAT, TargetResponses.ALL);
        assertEquals(1, row.inputIds()[0]);
        assertEquals(1, count(row.inputIds(), 1), "exactly one BOS");
        List<int[]> runs = trainedRuns(row.labels());
        assertEquals(2, runs.size());
        // each trained span is the assistant text, the template's "</s> ", and on the last turn the appended EOS
        int[] first = java.util.Arrays.copyOfRange(row.inputIds(), runs.get(0)[0], runs.get(0)[1]);
        int[] second = java.util.Arrays.copyOfRange(row.inputIds(), runs.get(1)[0], runs.get(1)[1]);
        assertArrayEquals(mistral.encode("Paris.</s> ", false), first);
        int[] rome = mistral.encode("Rome, since 1871.</s> ", false);
        assertArrayEquals(IntStream.concat(IntStream.of(rome), IntStream.of(2)).toArray(), second);
        assertEquals(2, rome[rome.length - 2], "</s> is matched as the special token inside the text");
        // llm-foundry tokenizes each turn's text on its own, so SentencePiece's dummy prefix applies per piece
        int[] expected = IntStream.of(0).flatMap(x -> IntStream.concat(IntStream.concat(
                IntStream.of(mistral.encode("<s>[INST] What is the capital of France? [/INST]", false)),
                IntStream.of(mistral.encode("Paris.</s> ", false))), IntStream.concat(
                IntStream.of(mistral.encode("[INST] And of Italy? [/INST]", false)),
                IntStream.concat(IntStream.of(rome), IntStream.of(2))))).toArray();
        assertArrayEquals(expected, row.inputIds());
        assertTrue(rendered.startsWith("<s>[INST] What is the capital of France? [/INST]Paris.</s> [INST]"));
        assertFalse(DatasetPreparer.templateAcceptsSystem(tok), "Mistral v0.1 template raises on system messages");
        // validation therefore rejects system messages for it
        Path file = TestFiles.write(dir, "sys.jsonl", CHAT_WITH_SYSTEM);
        DataValidationException e = org.junit.jupiter.api.Assertions.assertThrows(DataValidationException.class,
                () -> DatasetPreparer.prepare(DataOptions.defaults(TaskType.CHAT_COMPLETION, file, 4096), tok));
        assertTrue(e.getMessage().contains(file + ":1: messages[0] is a system message, but this model's chat template"), e.getMessage());
    }

    @Test
    void promptResponseWithLlamaHasOneBosAndEotAppended() {
        Path file = TestFiles.write(dir, "pr.jsonl", "{\"prompt\": \"Q: 2+2?\\nA:\", \"response\": \" 4\"}");
        PreparedData d = DatasetPreparer.prepare(DataOptions.defaults(TaskType.INSTRUCTION_FINETUNE, file, 256), llama);
        PackedRow row = d.train().row(0);
        assertEquals(1, count(row.inputIds(), 128000));
        assertEquals(128000, row.inputIds()[0]);
        List<int[]> runs = trainedRuns(row.labels());
        assertEquals(1, runs.size());
        assertEquals(" 4<|eot_id|>", decode(llama, row.inputIds(), runs.get(0)));
        assertEquals("<|begin_of_text|>Q: 2+2?\nA: 4<|eot_id|>", llama.decode(row.inputIds(), false));
    }

    @Test
    void twoWorkersGiveTheSameRowsAsOneWithTheRealTemplate() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            lines.add(CHAT.replace("France", "country #" + i).replace("Rome", "Rome" + ".".repeat(i % 5)));
        }
        Path file = TestFiles.write(dir, "many.jsonl", lines.toArray(String[]::new));
        DataOptions one = DataOptions.builder(TaskType.CHAT_COMPLETION, file, 512).chatDateString(DATE).build();
        PackedDataset a = DatasetPreparer.prepare(one, qwen).train();
        PackedDataset b = DatasetPreparer.prepare(one.toBuilder().preprocessingNumWorkers(2).build(), qwen).train();
        assertEquals(a.rows(), b.rows());
        for (int r = 0; r < a.rows(); r++) {
            assertArrayEquals(a.row(r).inputIds(), b.row(r).inputIds());
            assertArrayEquals(a.row(r).labels(), b.row(r).labels());
        }
    }

    /** A tokenizer with a different chat template. */
    static TextTokenizer withTemplate(HfTokenizer base, ChatTemplate template) {
        return new TextTokenizer() {
            @Override
            public int[] encode(String text, boolean addSpecialTokens) {
                return base.encode(text, addSpecialTokens);
            }

            @Override
            public String decode(int[] ids, boolean skipSpecialTokens) {
                return base.decode(ids, skipSpecialTokens);
            }

            @Override
            public OptionalInt tokenToId(String token) {
                return base.tokenToId(token);
            }

            @Override
            public String idToToken(int id) {
                return base.idToToken(id);
            }

            @Override
            public int vocabSize() {
                return base.vocabSize();
            }

            @Override
            public OptionalInt bosTokenId() {
                return base.bosTokenId();
            }

            @Override
            public OptionalInt eosTokenId() {
                return base.eosTokenId();
            }

            @Override
            public OptionalInt padTokenId() {
                return base.padTokenId();
            }

            @Override
            public Optional<String> bosToken() {
                return base.bosToken();
            }

            @Override
            public Optional<String> eosToken() {
                return base.eosToken();
            }

            @Override
            public Optional<ChatTemplate> chatTemplate() {
                return Optional.of(template);
            }
        };
    }
}
