package dev.finetune4j.tokenizer;

import dev.finetune4j.testkit.Conformance;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading tokenizer folders and the folder-config rules: the quickstart's character tokenizer (in the repository)
 * for the rules, the real tokenizers of the conformance bundle for vocabularies and special tokens.
 */
class HfTokenizerTest {
    /** The quickstart's character-level BPE folder: 101 ids, {@code <|bos|>}=1, {@code <|eos|>}=2, model_max_length 256. */
    static final Path QUICKSTART = Path.of("..", "examples", "quickstart", "model").toAbsolutePath().normalize();

    private static Path folder(String name) {
        return Conformance.path("tokenizers/" + name);
    }

    @Test
    void quickstartFolderLoadsEncodesAndRendersItsTemplate() {
        try (HfTokenizer tok = HfTokenizer.load(QUICKSTART)) {
            assertEquals(101, tok.vocabSize());
            assertEquals(OptionalInt.of(1), tok.bosTokenId());
            assertEquals(OptionalInt.of(4), tok.eosTokenId(), "eos_token of tokenizer_config.json is <|im_end|>");
            assertEquals(OptionalInt.of(0), tok.padTokenId());
            assertArrayEquals(new int[] {71, 72, 6, 23}, tok.encode("ab 1", false));
            assertArrayEquals(new int[] {1, 71, 72, 6, 23}, tok.encode("ab 1", true));
            assertArrayEquals(new int[] {3, 71, 4}, tok.encode("<|im_start|>a<|im_end|>", false));
            assertEquals("<|bos|>ab 1", tok.decode(new int[] {1, 71, 72, 6, 23}, false));
            assertEquals("ab 1", tok.decode(new int[] {1, 71, 72, 6, 23}, true));
            assertTrue(tok.isSpecialToken(4));
            assertFalse(tok.isSpecialToken(71));
            assertEquals(List.of(2, 1), tok.encodeBatch(List.of("ab", "a"), false, 2).stream().map(x -> x.length).toList());
            assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", tok.chatTemplate().orElseThrow()
                    .render(List.of(java.util.Map.of("role", "user", "content", "Hi")), true, null));
        }
    }

    @Test
    void llamaSpecialTokensAndVocabulary() {
        HfTokenizer tok = TokenizerCasesTest.tokenizer(folder("llama3.2"));
        assertEquals(128256, tok.vocabSize());
        assertEquals(OptionalInt.of(128000), tok.bosTokenId());
        assertEquals(OptionalInt.of(128009), tok.eosTokenId(), "eos of the instruct config is <|eot_id|>");
        assertEquals(OptionalInt.empty(), tok.padTokenId());
        assertEquals("<|begin_of_text|>", tok.bosToken().orElseThrow());
        assertEquals("<|eot_id|>", tok.idToToken(128009));
        assertEquals(OptionalInt.of(9906), tok.tokenToId("Hello"));
        assertEquals(OptionalInt.empty(), tok.tokenToId("no such token at all"));
        assertThrows(IllegalArgumentException.class, () -> tok.idToToken(128256));
        assertTrue(tok.isSpecialToken(128009));
        assertFalse(tok.isSpecialToken(9906));
        assertEquals(256, tok.specialTokenIds().length, "Llama 3 has 256 special tokens 128000..128255");
        assertEquals(128000, tok.specialTokenIds()[0]);
    }

    @Test
    void encodeWithAndWithoutSpecialTokensAndDecode() {
        HfTokenizer tok = TokenizerCasesTest.tokenizer(folder("llama3.2"));
        int[] plain = tok.encode("Hello world", false);
        int[] special = tok.encode("Hello world", true);
        assertArrayEquals(new int[] {9906, 1917}, plain);
        assertArrayEquals(new int[] {128000, 9906, 1917}, special);
        assertEquals("<|begin_of_text|>Hello world", tok.decode(special, false));
        assertEquals("Hello world", tok.decode(special, true));
        // special tokens inside the text are matched as such
        assertArrayEquals(new int[] {128006, 882, 128007}, tok.encode("<|start_header_id|>user<|end_header_id|>",
                false));
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {-1}, false));
    }

    @Test
    void noImplicitTruncation() {
        HfTokenizer tok = TokenizerCasesTest.tokenizer(QUICKSTART);
        String text = "word".repeat(3000);
        assertEquals(12001, tok.encode(text, true).length, "model_max_length 256 must not truncate");
    }

    @Test
    void truncationAndPaddingInTokenizerJsonAreIgnored(@TempDir Path tmp) throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = Conformance.mapper();
        com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode)
                json.readTree(QUICKSTART.resolve("tokenizer.json").toFile());
        tree.set("truncation", json.readTree("{\"direction\": \"Right\", \"max_length\": 4, \"strategy\": "
                + "\"LongestFirst\", \"stride\": 0}"));
        tree.set("padding", json.readTree("{\"strategy\": {\"Fixed\": 16}, \"direction\": \"Right\", "
                + "\"pad_to_multiple_of\": null, \"pad_id\": 0, \"pad_type_id\": 0, "
                + "\"pad_token\": \"<|pad|>\"}"));
        json.writeValue(tmp.resolve("tokenizer.json").toFile(), tree);
        try (HfTokenizer tok = HfTokenizer.load(tmp)) {
            assertEquals(9, tok.encode("abcdefgh", true).length);
            assertEquals(2, tok.encode("a", true).length);
            assertEquals(List.of(9, 2), tok.encodeBatch(List.of("abcdefgh", "a"), true, 2).stream()
                    .map(x -> x.length).toList());
        }
    }

    @Test
    void batchEncodingKeepsInputOrderOnSeveralThreads() {
        HfTokenizer tok = TokenizerCasesTest.tokenizer(folder("qwen2.5"));
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            texts.add("text number " + i + " " + "abc ".repeat(i % 37));
        }
        List<int[]> sequential = tok.encodeBatch(texts, true, 1);
        List<int[]> parallel = tok.encodeBatch(texts, true, 4);
        assertEquals(texts.size(), parallel.size());
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(tok.encode(texts.get(i), true), parallel.get(i), "text " + i);
            assertArrayEquals(sequential.get(i), parallel.get(i));
        }
        assertThrows(IllegalArgumentException.class, () -> tok.encodeBatch(texts, true, 0));
        List<String> withNull = new ArrayList<>(texts);
        withNull.set(3, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tok.encodeBatch(withNull, true, 2));
        assertTrue(e.getMessage().contains("texts[3]"), e.getMessage());
    }

    @Test
    void qwenHasPadAndNoBos() {
        HfTokenizer tok = TokenizerCasesTest.tokenizer(folder("qwen2.5"));
        assertEquals(OptionalInt.empty(), tok.bosTokenId());
        assertEquals(OptionalInt.of(151643), tok.padTokenId());
        assertEquals(OptionalInt.of(151645), tok.eosTokenId());
        assertTrue(tok.chatTemplate().isPresent());
    }

    @Test
    void gpt2HasNoChatTemplate() {
        HfTokenizer tok = TokenizerCasesTest.tokenizer(folder("gpt2"));
        assertTrue(tok.chatTemplate().isEmpty());
        assertTrue(tok.chatTemplateNames().isEmpty());
    }

    @Test
    void missingFolderOrFileIsAClearError(@TempDir Path tmp) {
        TokenizerLoadException a = assertThrows(TokenizerLoadException.class, () -> HfTokenizer.load(tmp.resolve("x")));
        assertTrue(a.getMessage().contains("does not exist"), a.getMessage());
        TokenizerLoadException b = assertThrows(TokenizerLoadException.class, () -> HfTokenizer.load(tmp));
        assertTrue(b.getMessage().contains("no tokenizer.json"), b.getMessage());
    }

    @Test
    void malformedConfigNamesFileAndKey(@TempDir Path tmp) throws IOException {
        Files.copy(QUICKSTART.resolve("tokenizer.json"), tmp.resolve("tokenizer.json"));
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"chat_template\": 42}");
        TokenizerLoadException e = assertThrows(TokenizerLoadException.class, () -> HfTokenizer.load(tmp));
        assertTrue(e.getMessage().contains("tokenizer_config.json") && e.getMessage().contains("chat_template"),
                e.getMessage());
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"add_bos_token\": \"yes\"}");
        TokenizerLoadException f = assertThrows(TokenizerLoadException.class, () -> HfTokenizer.load(tmp));
        assertTrue(f.getMessage().contains("add_bos_token must be true or false"), f.getMessage());
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{not json");
        TokenizerLoadException g = assertThrows(TokenizerLoadException.class, () -> HfTokenizer.load(tmp));
        assertTrue(g.getMessage().contains("not valid JSON"), g.getMessage());
    }

    @Test
    void folderConfigPrecedence(@TempDir Path tmp) throws IOException {
        Files.copy(QUICKSTART.resolve("tokenizer.json"), tmp.resolve("tokenizer.json"));
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"eos_token\": \"<|eos|>\", \"pad_token\": null,"
                + "\"chat_template\": [{\"name\": \"default\", \"template\": \"D{{ eos_token }}\"},"
                + "{\"name\": \"tool_use\", \"template\": \"T\"}]}");
        Files.writeString(tmp.resolve("special_tokens_map.json"),
                "{\"pad_token\": {\"content\": \"<|eos|>\", \"lstrip\": false}}");
        try (HfTokenizer tok = HfTokenizer.load(tmp)) {
            assertEquals(OptionalInt.of(2), tok.padTokenId(), "special_tokens_map.json overrides the config");
            assertEquals(List.of("default", "tool_use"), tok.chatTemplateNames());
            assertEquals("D<|eos|>", tok.chatTemplate().orElseThrow().render(List.of(), null, null));
            assertEquals("T", tok.chatTemplate("tool_use").render(List.of(), null, null));
            assertThrows(ChatTemplateException.class, () -> tok.chatTemplate("nope"));
        }
        Files.writeString(tmp.resolve("chat_template.json"), "{\"chat_template\": \"P\"}");
        Files.createDirectories(tmp.resolve("additional_chat_templates"));
        Files.writeString(tmp.resolve("additional_chat_templates/rag.jinja"), "R");
        try (HfTokenizer tok = HfTokenizer.load(tmp)) {
            assertEquals("P", tok.chatTemplate().orElseThrow().render(List.of(), null, null),
                    "chat_template.json wins over tokenizer_config.json");
            assertEquals("R", tok.chatTemplate("rag").render(List.of(), null, null));
        }
        Files.writeString(tmp.resolve("chat_template.jinja"), "J\n");
        HfTokenizer tok = HfTokenizer.load(tmp);
        try (tok) {
            assertEquals("J", tok.chatTemplate().orElseThrow().render(List.of(), null, null),
                    "chat_template.jinja wins over tokenizer_config.json");
            assertEquals(2, tok.encodeBatch(List.of("a", "b"), false, 2).size());
        }
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> tok.encode("a", false));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
    }

    @Test
    void llamaClassFollowsAddBosAndAddEos(@TempDir Path tmp) throws IOException {
        Files.copy(folder("mistral-7b-v0.1").resolve("tokenizer.json"), tmp.resolve("tokenizer.json"));
        String config = Files.readString(folder("mistral-7b-v0.1").resolve("tokenizer_config.json"));
        try (HfTokenizer base = HfTokenizer.load(folder("mistral-7b-v0.1"))) {
            int[] plain = base.encode("Hello", false);
            assertArrayEquals(concat(new int[] {1}, plain), base.encode("Hello", true));
            Files.writeString(tmp.resolve("tokenizer_config.json"), config.replace("\"add_bos_token\": true",
                    "\"add_bos_token\": false").replace("\"add_eos_token\": false", "\"add_eos_token\": true"));
            try (HfTokenizer flipped = HfTokenizer.load(tmp)) {
                assertArrayEquals(concat(plain, new int[] {2}), flipped.encode("Hello", true));
            }
            try (HfTokenizer asSaved = HfTokenizer.load(tmp, new TokenizerOptions(false, true))) {
                assertArrayEquals(concat(new int[] {1}, plain), asSaved.encode("Hello", true),
                        "with followConfigBosEos off the tokenizer.json post-processor is used as saved");
            }
        }
    }

    @Test
    void addedTokensDecoderEntriesMissingFromTokenizerJsonAreAdded(@TempDir Path tmp) throws IOException {
        Files.copy(QUICKSTART.resolve("tokenizer.json"), tmp.resolve("tokenizer.json"));
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"added_tokens_decoder\": {"
                + "\"2\": {\"content\": \"<|eos|>\", \"special\": true},"
                + "\"101\": {\"content\": \"<|tool|>\", \"special\": true}}}");
        try (HfTokenizer tok = HfTokenizer.load(tmp)) {
            assertEquals(102, tok.vocabSize());
            assertEquals(OptionalInt.of(101), tok.tokenToId("<|tool|>"));
            int[] ids = tok.encode("<|tool|>hi", false);
            assertEquals(101, ids[0]);
            assertEquals("hi", tok.decode(ids, true), "a special added token is skipped when decoding");
        }
        Files.writeString(tmp.resolve("tokenizer_config.json"),
                "{\"added_tokens_decoder\": {\"5\": {\"content\": \"<|clash|>\"}}}");
        TokenizerLoadException e = assertThrows(TokenizerLoadException.class, () -> HfTokenizer.load(tmp));
        assertTrue(e.getMessage().contains("already uses it"), e.getMessage());
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = new int[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void cleanUpTokenizationSpacesFollowsTransformers() {
        assertEquals("Hello, world. Isn't it?", HfTokenizer.cleanUpTokenizationSpaces("Hello , world . Is n't it ?"));
        assertFalse(HfTokenizer.cleanUpTokenizationSpaces("a ,b").contains(" ,"));
    }
}
