package dev.finetune4j.data;

import dev.finetune4j.testkit.Conformance;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.tokenizer.ChatTemplates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The preparer end to end: conformance datasets, splits, sampling, packing modes, cache and worker determinism. */
class DatasetPreparerTest {

    @TempDir
    Path dir;

    @Test
    void dollyConformanceDatasetReadsAsInstructionData() {
        Path dolly = Conformance.path("datasets/dolly_hhrlhf_train_small.head300.jsonl");
        DataOptions o = DataOptions.defaults(TaskType.INSTRUCTION_FINETUNE, dolly, 512);
        PreparedData d = DatasetPreparer.prepare(o, FakeTokenizer.plain());
        assertEquals(300, d.report().samples());
        assertEquals(0, d.report().invalidSamples(), d.report().format());
        TokenStatistics s = d.trainStats();
        assertEquals(300 - d.report().droppedCount(), s.examples());
        assertTrue(s.overContext() > 0, "char-level tokens make some dolly examples longer than 512");
        assertTrue(s.minLength() <= s.meanLength() && s.meanLength() <= s.maxLength());
        assertTrue(s.tokensPerEpoch() < s.tokens(), "truncation removes tokens");
        assertTrue(s.rows() < s.examples(), "packing puts several examples per row");
        assertEquals(1 - (double) s.tokensPerEpoch() / (s.rows() * 512L), s.paddingFraction(), 1e-12);
        long loss = 0;
        Loader loader = d.train().loader(4, 1);
        while (loader.hasNext()) {
            loss += loader.next().lossTokens();
        }
        assertEquals(s.lossTokensPerEpoch(), loss);
        assertTrue(d.format().contains("samples read: 300, invalid: 0"), d.format());
    }

    @Test
    void conformanceShareGptAndAlpacaFilesAreRejectedWithHints() {
        Path chat = Conformance.path("datasets/chat_tiny.json");
        DataValidationException e = assertThrows(DataValidationException.class,
                () -> DatasetPreparer.prepare(DataOptions.defaults(TaskType.CHAT_COMPLETION, chat, 64), FakeTokenizer.plain()));
        assertTrue(e.getMessage().contains(chat + ":2: ShareGPT-style 'conversations'"), e.getMessage());
        Path instruct = Conformance.path("datasets/instruct_tiny.json");
        e = assertThrows(DataValidationException.class,
                () -> DatasetPreparer.prepare(DataOptions.defaults(TaskType.INSTRUCTION_FINETUNE, instruct, 64), FakeTokenizer.plain()));
        assertTrue(e.getMessage().contains(instruct + ":2: keys [instruction, response] look like an Alpaca-style record"), e.getMessage());
        assertTrue(e.getMessage().contains(instruct + ":6: "), e.getMessage());
        assertTrue(e.getMessage().startsWith("2 of 2 samples (100.00%)"), e.getMessage());
    }

    @Test
    void bedrockConverseRecordsBecomeChats() {
        Path file = TestFiles.write(dir, "bedrock.jsonl",
                "{\"schemaVersion\": \"bedrock-conversation-2024\", \"system\": [{\"text\": \"Be brief.\"}], \"messages\": ["
                        + "{\"role\": \"user\", \"content\": [{\"text\": \"Hi\"}]}, {\"role\": \"assistant\", \"content\": [{\"text\": \"Hello\"}, {\"text\": \"there\"}]}]}");
        FakeTokenizer tok = new FakeTokenizer(true, FakeTokenizer.EOS, ChatTemplates.defaultChatMl());
        PreparedData d = DatasetPreparer.prepare(DataOptions.defaults(TaskType.CHAT_COMPLETION, file, 256), tok);
        String text = tok.decode(d.train().row(0).inputIds(), false);
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
                + "Hello\nthere<|im_end|>\n</s>", text);
    }

    private PreparedData numbered(int n, DataOptions.Builder b) {
        return DatasetPreparer.prepare(b.build(), FakeTokenizer.plain());
    }

    private Path numberedFile(int n) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add("{\"prompt\": \"p" + i + "\", \"response\": \"r" + "x".repeat(i % 7) + "\"}");
        }
        return TestFiles.write(dir, "n" + n + ".jsonl", lines.toArray(String[]::new));
    }

    /** Prompt/response records of varied length, some longer than 256 characters (an in-repo stand-in for Dolly). */
    private Path variedFile(int n) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add("{\"prompt\": \"question " + i + " " + "about things ".repeat(i % 23) + "\", \"response\": \"answer "
                    + i + " " + "words ".repeat(i * 7 % 61) + "\"}");
        }
        return TestFiles.write(dir, "varied" + n + ".jsonl", lines.toArray(String[]::new));
    }

    private static Set<Integer> exampleIds(PackedDataset ds) {
        Set<Integer> out = new HashSet<>();
        for (int r = 0; r < ds.rows(); r++) {
            for (int i = 0; i < ds.plan().documents(r); i++) {
                out.add(ds.plan().member(r, i));
            }
        }
        return out;
    }

    @Test
    void validationSplitIsSeededDisjointAndComplete() {
        Path file = numberedFile(200);
        DataOptions.Builder b = DataOptions.builder(TaskType.INSTRUCTION_FINETUNE, file, 64).validationSplitRatio(0.1);
        PreparedData d = numbered(200, b);
        Set<Integer> train = exampleIds(d.train());
        Set<Integer> eval = exampleIds(d.eval().orElseThrow());
        assertEquals(180, train.size());
        assertEquals(20, eval.size());
        assertTrue(train.stream().noneMatch(eval::contains));
        assertEquals(20, d.evalStats().orElseThrow().examples());
        assertEquals(eval, exampleIds(numbered(200, b).eval().orElseThrow()), "same seed, same split");
        assertNotEquals(eval, exampleIds(numbered(200, b.trainDataSplitSeed(7)).eval().orElseThrow()), "other seed, other split");

        PreparedData capped = numbered(200, b.trainDataSplitSeed(42).maxTrainSamples(50).maxValSamples(5));
        assertEquals(50, capped.trainStats().examples());
        assertEquals(5, capped.evalStats().orElseThrow().examples());
        assertTrue(numbered(200, DataOptions.builder(TaskType.INSTRUCTION_FINETUNE, file, 64)).eval().isEmpty());
    }

    @Test
    void separateEvalPathAndUnpackedRows() {
        Path train = numberedFile(30);
        Path eval = numberedFile(10);
        PreparedData d = DatasetPreparer.prepare(DataOptions.builder(TaskType.INSTRUCTION_FINETUNE, train, 32)
                .evalDataPath(eval).packing(false).padToContextLength(true).build(), FakeTokenizer.plain());
        assertEquals(30, d.train().rows());
        assertEquals(10, d.eval().orElseThrow().rows());
        Batch b = d.train().sequentialLoader(3).next();
        assertEquals(32, b.seqLen());
        assertEquals(1, b.cuSeqlens()[0].length - 1);
        assertTrue(d.trainStats().paddingFraction() > 0.5);
    }

    @Test
    void examplesWithNothingToTrainAreDroppedAndCounted() {
        String longPrompt = "{\"prompt\": \"" + "p".repeat(40) + "\", \"response\": \"r\"}";
        Path file = TestFiles.write(dir, "long.jsonl", TestFiles.PR_OK, longPrompt);
        PreparedData d = DatasetPreparer.prepare(DataOptions.defaults(TaskType.INSTRUCTION_FINETUNE, file, 16), FakeTokenizer.plain());
        assertEquals(1, d.report().droppedCount());
        assertEquals(file + ":2: no trained token left after truncating 43 tokens to context_length 16", d.report().dropped().get(0).toString());
        assertEquals(1, d.trainStats().examples());
        Path onlyLong = TestFiles.write(dir, "only-long.jsonl", longPrompt);
        DataValidationException e = assertThrows(DataValidationException.class,
                () -> DatasetPreparer.prepare(DataOptions.defaults(TaskType.INSTRUCTION_FINETUNE, onlyLong, 16), FakeTokenizer.plain()));
        assertTrue(e.getMessage().startsWith("no trainable example in " + onlyLong + ": 1 sample(s) read, 0 invalid, 1 dropped"), e.getMessage());
    }

    private static List<int[]> allRows(PackedDataset ds) {
        List<int[]> rows = new ArrayList<>();
        for (int r = 0; r < ds.rows(); r++) {
            PackedRow row = ds.row(r);
            rows.add(row.inputIds());
            rows.add(row.labels());
        }
        return rows;
    }

    @Test
    void workersDoNotChangeTheOutput() {
        DataOptions one = DataOptions.defaults(TaskType.INSTRUCTION_FINETUNE, variedFile(300), 256);
        List<int[]> a = allRows(DatasetPreparer.prepare(one, FakeTokenizer.plain()).train());
        List<int[]> b = allRows(DatasetPreparer.prepare(one.toBuilder().preprocessingNumWorkers(3).build(), FakeTokenizer.plain()).train());
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i), b.get(i));
        }
    }

    @Test
    void tokenCacheIsReusedAndInvalidatedByContentAndOptions() throws IOException {
        Path data = variedFile(300);
        Path cache = dir.resolve("cache");
        DataOptions o = DataOptions.builder(TaskType.INSTRUCTION_FINETUNE, data, 256).cacheDir(cache).build();
        CountingTokenizer tok = new CountingTokenizer();
        PreparedData first = DatasetPreparer.prepare(o, tok);
        assertEquals(0, first.cacheHits());
        int encodes = tok.calls;
        assertTrue(encodes >= 600);
        PreparedData second = DatasetPreparer.prepare(o, tok);
        assertEquals(1, second.cacheHits());
        assertEquals(encodes + tok.probeCalls(), tok.calls, "a cache hit tokenizes nothing but the fingerprint probes");
        assertEquals(first.report(), second.report());
        assertEquals(first.trainStats(), second.trainStats());
        List<int[]> a = allRows(first.train());
        List<int[]> b = allRows(second.train());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i), b.get(i));
        }
        try (Stream<Path> entries = Files.list(cache)) {
            assertEquals(1, entries.filter(p -> !p.getFileName().toString().startsWith(".tmp")).count());
        }
        // a restarted run (data from the cache) resumes the loader exactly where the first one stopped
        Loader before = first.train().loader(2, 9);
        for (int i = 0; i < 7; i++) {
            before.next();
        }
        Loader after = second.train().loader(2, 9);
        after.restore(before.state());
        while (before.hasNext()) {
            Batch x = before.next();
            Batch y = after.next();
            assertArrayEquals(x.inputIds(), y.inputIds());
            assertArrayEquals(x.labels(), y.labels());
        }
        assertTrue(!after.hasNext());
        assertEquals(0, DatasetPreparer.prepare(o.toBuilder().contextLength(384).build(), tok).cacheHits(), "option change");
        Files.writeString(data, TestFiles.PR_OK + "\n", java.nio.file.StandardOpenOption.APPEND);
        PreparedData changed = DatasetPreparer.prepare(o, tok);
        assertEquals(0, changed.cacheHits(), "content change");
        assertEquals(301, changed.report().samples());
        try (Stream<Path> entries = Files.list(cache)) {
            assertTrue(entries.noneMatch(p -> p.getFileName().toString().startsWith(".tmp")), "no temp folders left behind");
        }
    }

    /** Counts encode calls. */
    static final class CountingTokenizer implements dev.finetune4j.tokenizer.TextTokenizer {
        final FakeTokenizer inner = FakeTokenizer.plain();
        int calls;

        int probeCalls() {
            return 4;
        }

        @Override
        public synchronized int[] encode(String text, boolean addSpecialTokens) {
            calls++;
            return inner.encode(text, addSpecialTokens);
        }

        @Override
        public String decode(int[] ids, boolean skip) {
            return inner.decode(ids, skip);
        }

        @Override
        public java.util.OptionalInt tokenToId(String token) {
            return inner.tokenToId(token);
        }

        @Override
        public String idToToken(int id) {
            return inner.idToToken(id);
        }

        @Override
        public int vocabSize() {
            return inner.vocabSize();
        }

        @Override
        public java.util.OptionalInt bosTokenId() {
            return inner.bosTokenId();
        }

        @Override
        public java.util.OptionalInt eosTokenId() {
            return inner.eosTokenId();
        }

        @Override
        public java.util.OptionalInt padTokenId() {
            return inner.padTokenId();
        }

        @Override
        public java.util.Optional<String> bosToken() {
            return inner.bosToken();
        }

        @Override
        public java.util.Optional<String> eosToken() {
            return inner.eosToken();
        }

        @Override
        public java.util.Optional<dev.finetune4j.tokenizer.ChatTemplate> chatTemplate() {
            return java.util.Optional.empty();
        }
    }
}
