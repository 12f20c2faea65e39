package dev.finetune4j.data;

import dev.finetune4j.testkit.Conformance;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.data.source.FormatConverter;
import dev.finetune4j.tokenizer.ChatTemplates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ShareGPT and Alpaca conversion into accepted formats: in-repo records, and the conformance datasets when present. */
class FormatConverterTest {

    @TempDir
    Path dir;

    @Test
    void shareGptConformanceFileBecomesValidChatData() throws Exception {
        Path out = dir.resolve("chat.jsonl");
        FormatConverter.Result r = FormatConverter.shareGptToChat(Conformance.path("datasets/chat_tiny.json"), out);
        assertEquals(1, r.records());
        assertEquals(List.of("{\"messages\":[{\"role\":\"system\",\"content\":\"You are an AI assistant.\"},"
                + "{\"role\":\"user\",\"content\":\"What is the meaning of life?\"},{\"role\":\"assistant\",\"content\":\"The meaning of life is 42.\"},"
                + "{\"role\":\"user\",\"content\":\"That's ridiculous.\"},{\"role\":\"assistant\",\"content\":\"I agree.\"}]}"),
                Files.readAllLines(out));
        FakeTokenizer tok = new FakeTokenizer(true, FakeTokenizer.EOS, ChatTemplates.defaultChatMl());
        PreparedData d = DatasetPreparer.prepare(DataOptions.defaults(TaskType.CHAT_COMPLETION, out, 512), tok);
        assertEquals(0, d.report().invalidSamples());
        assertEquals(1, d.trainStats().examples());
    }

    @Test
    void alpacaConformanceFileBecomesPromptResponseData() throws Exception {
        Path out = dir.resolve("pr.jsonl");
        FormatConverter.Result r = FormatConverter.alpacaToPromptResponse(Conformance.path("datasets/instruct_tiny.json"), out);
        assertEquals(2, r.records());
        assertEquals("{\"prompt\":\"What time is it in London?\",\"response\":\"It is 10:00 AM in London\"}", Files.readAllLines(out).get(0));
        PreparedData d = DatasetPreparer.prepare(DataOptions.defaults(TaskType.INSTRUCTION_FINETUNE, out, 512), FakeTokenizer.plain());
        assertEquals(2, d.trainStats().examples());
    }

    @Test
    void shareGptRecordsBecomeValidChatData() throws Exception {
        Path in = TestFiles.write(dir, "sg.jsonl", "{\"conversations\": [{\"from\": \"system\", \"value\": \"Be kind.\"}, "
                + "{\"from\": \"human\", \"value\": \"Hi?\"}, {\"from\": \"gpt\", \"value\": \"Hello.\"}]}");
        Path out = dir.resolve("chat.jsonl");
        assertEquals(1, FormatConverter.shareGptToChat(in, out).records());
        assertEquals(List.of("{\"messages\":[{\"role\":\"system\",\"content\":\"Be kind.\"},"
                + "{\"role\":\"user\",\"content\":\"Hi?\"},{\"role\":\"assistant\",\"content\":\"Hello.\"}]}"),
                Files.readAllLines(out));
        FakeTokenizer tok = new FakeTokenizer(true, FakeTokenizer.EOS, ChatTemplates.defaultChatMl());
        PreparedData d = DatasetPreparer.prepare(DataOptions.defaults(TaskType.CHAT_COMPLETION, out, 512), tok);
        assertEquals(0, d.report().invalidSamples());
        assertEquals(1, d.trainStats().examples());
    }

    @Test
    void alpacaRecordsBecomePromptResponseData() throws Exception {
        Path in = TestFiles.write(dir, "alpaca.jsonl", "{\"instruction\": \"Add.\", \"input\": \"2+2\", \"output\": \"4\"}",
                "{\"instruction\": \"Say hi.\", \"input\": \"\", \"output\": \"hi\"}");
        Path out = dir.resolve("pr.jsonl");
        assertEquals(2, FormatConverter.alpacaToPromptResponse(in, out).records());
        List<String> lines = Files.readAllLines(out);
        assertEquals(2, lines.size());
        assertEquals("{\"prompt\":\"Add.\\n\\n2+2\",\"response\":\"4\"}", lines.get(0));
        assertEquals("{\"prompt\":\"Say hi.\",\"response\":\"hi\"}", lines.get(1));
        PreparedData d = DatasetPreparer.prepare(DataOptions.defaults(TaskType.INSTRUCTION_FINETUNE, out, 512), FakeTokenizer.plain());
        assertEquals(2, d.trainStats().examples());
    }

    @Test
    void badRecordsFailTheConversionAndWriteNothing() throws Exception {
        Path in = TestFiles.write(dir, "sg.jsonl", "{\"conversations\": [{\"from\": \"human\", \"value\": \"q\"}, {\"from\": \"gpt\", \"value\": \"a\"}]}",
                "{\"conversations\": [{\"from\": \"robot\", \"value\": \"q\"}]}");
        Path out = dir.resolve("out.jsonl");
        DataValidationException e = assertThrows(DataValidationException.class, () -> FormatConverter.shareGptToChat(in, out));
        assertTrue(e.getMessage().contains(in + ":2: conversations[0] needs 'from' (one of"), e.getMessage());
        assertFalse(Files.exists(out));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temp file left behind");
        }
    }
}
