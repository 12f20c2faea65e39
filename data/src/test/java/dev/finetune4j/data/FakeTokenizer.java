package dev.finetune4j.data;

import dev.finetune4j.tokenizer.ChatTemplate;
import dev.finetune4j.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A toy tokenizer for tests: one token per code point (id = code point + 100), special tokens {@code <pad> <s> </s>
 * <|im_start|> <|im_end|>} as ids 0–4, BOS added with special tokens when {@code addBos}.
 */
final class FakeTokenizer implements TextTokenizer {

    static final int PAD = 0;
    static final int BOS = 1;
    static final int EOS = 2;
    static final int IM_START = 3;
    static final int IM_END = 4;
    private static final Map<String, Integer> SPECIALS = new LinkedHashMap<>();

    static {
        SPECIALS.put("<|im_start|>", IM_START);
        SPECIALS.put("<|im_end|>", IM_END);
        SPECIALS.put("<pad>", PAD);
        SPECIALS.put("</s>", EOS);
        SPECIALS.put("<s>", BOS);
    }

    private final boolean addBos;
    private final Integer eos;
    private final ChatTemplate template;

    FakeTokenizer(boolean addBos, Integer eos, ChatTemplate template) {
        this.addBos = addBos;
        this.eos = eos;
        this.template = template;
    }

    /** BOS added, EOS = {@code </s>}, no chat template. */
    static FakeTokenizer plain() {
        return new FakeTokenizer(true, EOS, null);
    }

    static int id(int codePoint) {
        return codePoint + 100;
    }

    /** The ids of text without special-token parsing shortcuts (for expectations). */
    static int[] ids(String text) {
        return plain().encode(text, false);
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        List<Integer> out = new ArrayList<>();
        if (addSpecialTokens && addBos) {
            out.add(BOS);
        }
        int i = 0;
        outer:
        while (i < text.length()) {
            for (Map.Entry<String, Integer> s : SPECIALS.entrySet()) {
                if (text.startsWith(s.getKey(), i)) {
                    out.add(s.getValue());
                    i += s.getKey().length();
                    continue outer;
                }
            }
            int cp = text.codePointAt(i);
            out.add(id(cp));
            i += Character.charCount(cp);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            if (id >= 100) {
                sb.appendCodePoint(id - 100);
            } else if (!skipSpecialTokens) {
                sb.append(idToToken(id));
            }
        }
        return sb.toString();
    }

    @Override
    public OptionalInt tokenToId(String token) {
        Integer v = SPECIALS.get(token);
        return v == null ? OptionalInt.empty() : OptionalInt.of(v);
    }

    @Override
    public String idToToken(int id) {
        for (Map.Entry<String, Integer> s : SPECIALS.entrySet()) {
            if (s.getValue() == id) {
                return s.getKey();
            }
        }
        return new String(Character.toChars(id - 100));
    }

    @Override
    public int vocabSize() {
        return 0x110000 + 100;
    }

    @Override
    public OptionalInt bosTokenId() {
        return OptionalInt.of(BOS);
    }

    @Override
    public OptionalInt eosTokenId() {
        return eos == null ? OptionalInt.empty() : OptionalInt.of(eos);
    }

    @Override
    public OptionalInt padTokenId() {
        return OptionalInt.of(PAD);
    }

    @Override
    public Optional<String> bosToken() {
        return Optional.of("<s>");
    }

    @Override
    public Optional<String> eosToken() {
        return eos == null ? Optional.empty() : Optional.of(idToToken(eos));
    }

    @Override
    public Optional<ChatTemplate> chatTemplate() {
        return Optional.ofNullable(template);
    }
}
