package dev.finetune4j.tokenizer;

import dev.finetune4j.testkit.Conformance;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every vector of ../shared/conformance/tokenizer-cases encodes to the exact ids with its named tokenizer folder. */
class TokenizerCasesTest {
    private static final Map<String, HfTokenizer> TOKENIZERS = new HashMap<>();
    private static int decodeMismatches;

    static synchronized HfTokenizer tokenizer(Path folder) {
        return TOKENIZERS.computeIfAbsent(folder.toString(), k -> HfTokenizer.load(folder));
    }

    @AfterAll
    static void report() {
        System.out.println("tokenizer-cases: decode differences (informational, Python clean-up rules): "
                + decodeMismatches);
        TOKENIZERS.values().forEach(HfTokenizer::close);
        TOKENIZERS.clear();
    }

    @TestFactory
    Stream<DynamicTest> everyVectorEncodesExactly() throws IOException {
        Path dir = Conformance.dir();
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.list(Conformance.path("tokenizer-cases"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                JsonNode suite = Conformance.json(file);
                Path folder = dir.resolve(suite.get("tokenizers_in_bundle").get(0).asText());
                boolean special = suite.path("encode_options").path("add_special_tokens").asBoolean(true);
                int i = 0;
                for (JsonNode c : suite.get("cases")) {
                    String id = file.getFileName() + "#" + i++ + " " + c.path("name").asText("");
                    tests.add(DynamicTest.dynamicTest(id, () -> check(folder, special, c)));
                }
            }
        }
        assertFalse(tests.isEmpty(), "no tokenizer cases found");
        return tests.stream();
    }

    private static void check(Path folder, boolean special, JsonNode c) {
        HfTokenizer tok = tokenizer(folder);
        String text = c.get("text").asText();
        int[] expected = ints(c.get("ids"));
        assertArrayEquals(expected, tok.encode(text, special), () -> "ids of " + text);
        if (c.has("tokens")) {
            List<String> tokens = new ArrayList<>();
            c.get("tokens").forEach(t -> tokens.add(t.asText()));
            assertEquals(tokens, tok.tokenize(text), "tokens of " + text);
        }
        if (c.has("decoded") && !tok.decode(expected, false).equals(c.get("decoded").asText())) {
            synchronized (TokenizerCasesTest.class) {
                decodeMismatches++;
            }
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
