package dev.finetune4j.tokenizer;

import dev.finetune4j.testkit.Conformance;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Long texts are tokenized in word-boundary pieces only when that gives the whole text's ids: the probe accepts an
 * encoder whose words are independent and refuses one that marks the start of every input; real tokenizers give
 * identical ids for a long mixed text either way.
 */
class LongTextsTest {
    /** Ids = code points, like a character-level tokenizer. */
    private static final Function<String, int[]> CHARS = s -> s.codePoints().toArray();
    /** Like SentencePiece's Metaspace "prepend": every input starts with a marker. */
    private static final Function<String, int[]> PREPENDS = s -> {
        int[] c = s.codePoints().toArray();
        int[] out = new int[c.length + 1];
        out[0] = -1;
        System.arraycopy(c, 0, out, 1, c.length);
        return out;
    };

    static String longText(int chars) {
        String[] words = {"The", "quick", "brown", "fox,", "42", "jumps", "over:", "the", "lazy", "dog's", "back.",
            "Ünïcödé", "日本語", "テキスト", "and", "(3.14)", "more", "words", "-", "end\n", "tabs\tand  spaces"};
        Random rnd = new Random(7);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < chars) {
            sb.append(words[rnd.nextInt(words.length)]).append(' ');
        }
        return sb.toString();
    }

    @Test
    void theProbeAcceptsIndependentWordsAndRefusesPerInputMarkers() {
        assertTrue(LongTexts.probe(CHARS).chunkable());
        assertFalse(LongTexts.probe(PREPENDS).chunkable());
        String text = longText(5 * LongTexts.CHUNK_CHARS + 123);
        List<Integer> calls = new ArrayList<>();
        int[] ids = LongTexts.probe(CHARS).encode(text, s -> {
            calls.add(s.length());
            return CHARS.apply(s);
        });
        assertArrayEquals(CHARS.apply(text), ids);
        assertTrue(calls.size() >= 5 && calls.stream().allMatch(n -> n <= LongTexts.CHUNK_CHARS + 1000), calls.toString());
    }

    @Test
    void realTokenizersGiveTheWholeTextsIdsForALongText() {
        String text = longText(3 * LongTexts.CHUNK_CHARS);
        for (String name : List.of("gpt2", "llama3.2", "qwen2.5", "mistral-7b-v0.1")) {
            HfTokenizer tok = TokenizerCasesTest.tokenizer(Conformance.dir().resolve("tokenizers").resolve(name));
            int[] whole = tok.encode(text, true); // with special tokens: never cut into pieces
            if (tok.bosTokenId().isPresent() && whole.length > 0 && whole[0] == tok.bosTokenId().getAsInt()) {
                whole = Arrays.copyOfRange(whole, 1, whole.length);
            }
            assertArrayEquals(whole, tok.encode(text, false), name);
        }
    }
}
