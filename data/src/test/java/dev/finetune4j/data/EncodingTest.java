package dev.finetune4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.tokenizer.ChatTemplates;
import dev.finetune4j.data.encode.ChatTurnSlicer;
import dev.finetune4j.data.encode.EncodeResult;
import dev.finetune4j.data.encode.ExampleEncoder;
import dev.finetune4j.data.encode.InvalidExampleException;
import dev.finetune4j.data.source.ChatExample;
import dev.finetune4j.data.source.Message;
import dev.finetune4j.data.source.PromptResponseExample;
import dev.finetune4j.tokenizer.ChatTemplate;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chat slicing and label construction (docs/training.md §4.1, §4.3) with a toy tokenizer whose ids can be written down by hand. */
class EncodingTest {

    @TempDir
    Path dir;

    static final List<Message> CHAT = List.of(new Message("system", "S"), new Message("user", "Q1"),
            new Message("assistant", "A1"), new Message("user", "Q2"), new Message("assistant", "A2"));

    static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
    }

    static int[] masked(int[] ids) {
        return IntStream.of(ids).map(i -> Batch.IGNORE_INDEX).toArray();
    }

    static int[] t(String s) {
        return FakeTokenizer.ids(s);
    }

    @Test
    void chatTurnsAreSlicedAtTheGenerationPrompt() {
        ChatTurnSlicer slicer = new ChatTurnSlicer(ChatTemplates.defaultChatMl(), Map.of());
        List<ChatTurnSlicer.TurnText> turns = slicer.slice(CHAT);
        assertEquals(List.of(
                new ChatTurnSlicer.TurnText("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ1<|im_end|>\n<|im_start|>assistant\n", "A1<|im_end|>\n"),
                new ChatTurnSlicer.TurnText("<|im_start|>user\nQ2<|im_end|>\n<|im_start|>assistant\n", "A2<|im_end|>\n")), turns);
    }

    @Test
    void labelsFollowTargetPoliciesAndEosIsAppendedOnce() {
        FakeTokenizer tok = new FakeTokenizer(true, FakeTokenizer.EOS, ChatTemplates.defaultChatMl());
        int[] p1 = t("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ1<|im_end|>\n<|im_start|>assistant\n");
        int[] r1 = t("A1<|im_end|>\n");
        int[] p2 = t("<|im_start|>user\nQ2<|im_end|>\n<|im_start|>assistant\n");
        int[] r2 = concat(t("A2<|im_end|>\n"), new int[] {FakeTokenizer.EOS});
        int[] ids = concat(p1, r1, p2, r2);

        EncodeResult last = encoder(tok, TargetPrompts.NONE, TargetResponses.LAST).encode(new ChatExample(CHAT));
        assertArrayEquals(ids, last.example().inputIds());
        assertArrayEquals(concat(masked(p1), masked(r1), masked(p2), r2), last.example().labels());

        EncodeResult all = encoder(tok, TargetPrompts.NONE, TargetResponses.ALL).encode(new ChatExample(CHAT));
        assertArrayEquals(concat(masked(p1), r1, masked(p2), r2), all.example().labels());

        EncodeResult prompts = encoder(tok, TargetPrompts.ALL, TargetResponses.ALL).encode(new ChatExample(CHAT));
        assertArrayEquals(ids, prompts.example().labels());

        EncodeResult longPrompts = encoder(tok, TargetPrompts.parse("length>=20"), TargetResponses.ALL).encode(new ChatExample(CHAT));
        assertTrue(p1.length >= 20 && p2.length >= 20);
        assertArrayEquals(ids, longPrompts.example().labels());
        EncodeResult noLong = encoder(tok, TargetPrompts.parse("length>=1000"), TargetResponses.ALL).encode(new ChatExample(CHAT));
        assertArrayEquals(concat(masked(p1), r1, masked(p2), r2), noLong.example().labels());
    }

    @Test
    void eosIsNotDoubledWhenTheTemplateEndsWithIt() {
        // a template whose assistant turns end in </s>, like Llama-3-Instruct's <|eot_id|> = eos
        ChatTemplate endsWithEos = (messages, gen, ctx) -> {
            StringBuilder sb = new StringBuilder("<s>");
            for (Map<String, Object> m : messages) {
                sb.append(m.get("role")).append(": ").append(m.get("content")).append(m.get("role").equals("assistant") ? "</s>" : "\n");
            }
            return Boolean.TRUE.equals(gen) ? sb.append("assistant: ").toString() : sb.toString();
        };
        FakeTokenizer tok = new FakeTokenizer(true, FakeTokenizer.EOS, endsWithEos);
        EncodeResult r = encoder(tok, TargetPrompts.NONE, TargetResponses.LAST)
                .encode(new ChatExample(List.of(new Message("user", "q"), new Message("assistant", "a"))));
        int[] prompt = t("<s>user: q\nassistant: ");
        int[] response = t("a</s>");
        assertArrayEquals(concat(prompt, response), r.example().inputIds());
        assertArrayEquals(concat(masked(prompt), response), r.example().labels());
    }

    @Test
    void promptResponseUsesSpecialTokensWithoutDoubledBos() {
        FakeTokenizer tok = FakeTokenizer.plain();
        EncodeResult r = encoder(tok, TargetPrompts.NONE, TargetResponses.LAST).encode(new PromptResponseExample("Q?", "A."));
        int[] prompt = concat(new int[] {FakeTokenizer.BOS}, t("Q?"));
        int[] response = concat(t("A."), new int[] {FakeTokenizer.EOS});
        assertArrayEquals(concat(prompt, response), r.example().inputIds());
        assertArrayEquals(concat(masked(prompt), response), r.example().labels());
        // a tokenizer without EOS appends nothing
        EncodeResult noEos = encoder(new FakeTokenizer(false, null, null), TargetPrompts.NONE, TargetResponses.LAST)
                .encode(new PromptResponseExample("Q?", "A."));
        assertArrayEquals(concat(t("Q?"), t("A.")), noEos.example().inputIds());
    }

    @Test
    void templateErrorsAndBrokenPrefixesMakeTheSampleInvalid() {
        ChatTemplate raises = (m, g, c) -> {
            throw new dev.finetune4j.tokenizer.ChatTemplateException("template line 1: roles must alternate");
        };
        EncodeResult r = encoder(new FakeTokenizer(true, 2, raises), TargetPrompts.NONE, TargetResponses.LAST)
                .encode(new ChatExample(List.of(new Message("user", "q"), new Message("assistant", "a"))));
        assertTrue(r.invalid().contains("chat template failed on messages[0..1]: template line 1: roles must alternate"), r.invalid());
        // a template that renders later turns differently breaks the prefix invariant
        ChatTemplate unstable = (m, g, c) -> m.size() + ":" + m.stream().map(x -> x.get("content").toString()).reduce("", String::concat);
        ChatTurnSlicer slicer = new ChatTurnSlicer(unstable, Map.of());
        InvalidExampleException e = assertThrows(InvalidExampleException.class, () -> slicer.slice(CHAT.subList(1, 3)));
        assertTrue(e.getMessage().contains("does not start with"), e.getMessage());
    }

    @Test
    void continuedPretrainingConcatenatesWithEosAndCutsWindows() {
        Path file = TestFiles.write(dir, "cpt.jsonl", "{\"text\": \"ab\"}", "{\"text\": \"cde\"}");
        DataOptions o = DataOptions.builder(TaskType.CONTINUED_PRETRAIN, file, 4).build();
        EncodedSource src = DatasetPreparer.encode(file, o, FakeTokenizer.plain());
        assertEquals(2, src.corpus().size());
        int[] w0 = new int[4];
        int[] w1 = new int[4];
        src.corpus().readIds(0, w0, 0);
        src.corpus().readIds(1, w1, 0);
        int a = FakeTokenizer.id('a');
        assertArrayEquals(new int[] {1, a, a + 1, 2}, w0);
        assertArrayEquals(new int[] {1, a + 2, a + 3, a + 4}, w1);
        int[] labels = new int[4];
        src.corpus().readLabels(0, labels, 0);
        assertArrayEquals(new int[] {-100, a, a + 1, 2}, labels);
        assertEquals(2, src.report().samples());
        assertTrue(src.report().notes().get(0).reason().startsWith("the final 1 tokens are shorter than context_length 4"));
    }

    @Test
    void largeTextFilesAreReadInPiecesWithoutChangingTheTokens() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < 2_600_000; i++) {
            sb.append("line ").append(i).append(" ünïcödé 日本語\n");
        }
        Path folder = dir.resolve("txt");
        TestFiles.writeBytes(folder, "big.txt", sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        int ctx = 4096;
        EncodedSource src = DatasetPreparer.encode(folder, DataOptions.defaults(TaskType.CONTINUED_PRETRAIN, folder, ctx), FakeTokenizer.plain());
        int[] expected = concat(new int[] {FakeTokenizer.BOS}, FakeTokenizer.ids(sb.toString()), new int[] {FakeTokenizer.EOS});
        assertEquals(expected.length / ctx, src.corpus().size());
        int[] got = new int[src.corpus().size() * ctx];
        for (int w = 0; w < src.corpus().size(); w++) {
            src.corpus().readIds(w, got, w * ctx);
        }
        assertArrayEquals(java.util.Arrays.copyOf(expected, got.length), got);
    }

    private static ExampleEncoder encoder(FakeTokenizer tok, TargetPrompts p, TargetResponses r) {
        ChatTurnSlicer slicer = new ChatTurnSlicer(tok.chatTemplate().orElseGet(ChatTemplates::defaultChatMl), Map.of());
        return new ExampleEncoder(tok, slicer, p, r);
    }
}
