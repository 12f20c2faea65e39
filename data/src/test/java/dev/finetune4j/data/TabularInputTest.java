package dev.finetune4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.data.source.ChatExample;
import dev.finetune4j.data.source.Message;
import dev.finetune4j.data.source.PromptResponseExample;
import dev.finetune4j.data.source.ReadSample;
import dev.finetune4j.data.source.SampleReader;
import dev.finetune4j.data.source.TextChunk;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parquet (written by DuckDB here) and CSV inputs read like JSONL, for every task type. */
class TabularInputTest {

    @TempDir
    Path dir;

    /** Runs DuckDB SQL, e.g. {@code COPY (SELECT ...) TO 'x.parquet'}. */
    private void duck(String sql) throws Exception {
        try (Connection c = new org.duckdb.DuckDBDriver().connect("jdbc:duckdb:", new Properties());
             Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private Path parquet(String name, String select) throws Exception {
        Path p = dir.resolve(name);
        duck("COPY (" + select + ") TO '" + p + "' (FORMAT parquet)");
        return p;
    }

    private static List<ReadSample> readAll(Path p, TaskType t) {
        List<ReadSample> out = new ArrayList<>();
        try (SampleReader r = SampleReader.open(p, t, true, true)) {
            r.forEachRemaining(out::add);
        }
        return out;
    }

    @Test
    void chatParquetWithMessagesAsAListOfStructs() throws Exception {
        Path p = parquet("chat.parquet", "SELECT * FROM (VALUES "
                + "(1, [{'role': 'user', 'content': 'Hi'}, {'role': 'assistant', 'content': 'Hello \"there\"'}]), "
                + "(2, [{'role': 'user', 'content': 'only a question'}]), "
                + "(3, [{'role': 'user', 'content': 'Q'}, {'role': 'assistant', 'content': 'A'}])) v(i, messages) ORDER BY i");
        // the extra column i is a mistake like an extra JSONL key: drop it with a second file
        Path ok = parquet("chat-ok.parquet", "SELECT messages FROM read_parquet('" + p + "') ORDER BY i");
        Files.delete(p);
        List<ReadSample> s = readAll(ok, TaskType.CHAT_COMPLETION);
        assertEquals(3, s.size());
        assertEquals(new ChatExample(List.of(new Message("user", "Hi"), new Message("assistant", "Hello \"there\""))), s.get(0).example());
        assertFalse(s.get(1).valid());
        String reported = s.get(1).asProblems().toString();
        assertTrue(reported.contains(ok + ":2: "), "file:row: reason, got " + reported);
        assertTrue(s.get(2).valid());
    }

    @Test
    void unexpectedColumnsAreReportedPerRowAsForJsonKeys() throws Exception {
        Path p = parquet("pr.parquet", "SELECT 'q' AS prompt, 'a' AS response, 7 AS id");
        List<ReadSample> s = readAll(p, TaskType.INSTRUCTION_FINETUNE);
        assertEquals(1, s.size());
        assertTrue(s.get(0).asProblems().toString().contains(p + ":1: unexpected key(s) [id]"), s.get(0).asProblems().toString());
    }

    @Test
    void instructionCsvAndContinuedPretrainParquet() throws Exception {
        Path csv = TestFiles.write(dir, "pr.csv", "prompt,completion", "\"2+2=\",4", "\"multi, \"\"quoted\"\"\nline\",ok", "empty,");
        List<ReadSample> s = readAll(csv, TaskType.INSTRUCTION_FINETUNE);
        assertEquals(3, s.size());
        assertEquals(new PromptResponseExample("2+2=", "4"), s.get(0).example(), "all columns are read as text");
        assertEquals(new PromptResponseExample("multi, \"quoted\"\nline", "ok"), s.get(1).example());
        assertTrue(s.get(2).asProblems().toString().contains(csv + ":3: "), s.get(2).asProblems().toString());

        Path text = parquet("cpt.parquet", "SELECT 'doc ' || i AS text FROM range(5) r(i)");
        List<ReadSample> t = readAll(text, TaskType.CONTINUED_PRETRAIN);
        assertEquals(5, t.size());
        assertEquals("doc 4", ((TextChunk) t.get(4).example()).text());
    }

    @Test
    void chatCsvHoldsTheMessagesListAsJsonText() throws Exception {
        Path csv = TestFiles.write(dir, "chat.csv", "messages",
                "\"[{\"\"role\"\": \"\"user\"\", \"\"content\"\": \"\"Hi\"\"}, {\"\"role\"\": \"\"assistant\"\", \"\"content\"\": \"\"Yo\"\"}]\"",
                "\"[not json\"");
        List<ReadSample> s = readAll(csv, TaskType.CHAT_COMPLETION);
        assertEquals(new ChatExample(List.of(new Message("user", "Hi"), new Message("assistant", "Yo"))), s.get(0).example());
        assertTrue(s.get(1).asProblems().toString().contains(csv + ":2: column 'messages' is not a valid JSON list"),
                s.get(1).asProblems().toString());
    }

    @Test
    void aFolderMixesFormatsAndUnreadableFilesNameTheFile() throws Exception {
        parquet("a.parquet", "SELECT 'p' AS prompt, 'r' AS response");
        TestFiles.write(dir, "b.jsonl", TestFiles.PR_OK);
        TestFiles.write(dir, "c.csv", "prompt,response", "x,y");
        assertEquals(3, readAll(dir, TaskType.INSTRUCTION_FINETUNE).stream().filter(ReadSample::valid).count());

        Path bad = TestFiles.write(dir.resolve("bad"), "broken.parquet", "this is not parquet");
        DataFormatException e = assertThrows(DataFormatException.class, () -> readAll(bad, TaskType.INSTRUCTION_FINETUNE));
        assertTrue(e.getMessage().startsWith(bad + ": cannot read as Parquet: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        Path latin1 = TestFiles.writeBytes(dir.resolve("bad"), "latin1.csv",
                "prompt,response\nok,fine\ncaf\u00e9,x\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        DataFormatException enc = assertThrows(DataFormatException.class, () -> readAll(latin1, TaskType.INSTRUCTION_FINETUNE));
        assertEquals(latin1 + ": cannot read as CSV: Invalid Input Error: CSV Error on Line: 3 Invalid unicode (byte sequence mismatch)"
                + " detected. This file is not utf-8 encoded.", enc.getMessage());
        Path empty = parquet("empty.parquet", "SELECT 'p' AS prompt, 'r' AS response WHERE false");
        DataFormatException none = assertThrows(DataFormatException.class, () -> readAll(empty, TaskType.INSTRUCTION_FINETUNE));
        assertEquals(empty + ": holds no rows", none.getMessage());
    }

    @Test
    void prepareTrainsFromParquetLikeFromJsonl() throws Exception {
        Path p = parquet("train.parquet", "SELECT 'question ' || i AS prompt, 'answer ' || i AS response FROM range(20) r(i)");
        PreparedData d = DatasetPreparer.prepare(DataOptions.defaults(TaskType.INSTRUCTION_FINETUNE, p, 64), FakeTokenizer.plain());
        assertEquals(20, d.trainStats().examples() + d.evalStats().map(TokenStatistics::examples).orElse(0L));
    }
}
