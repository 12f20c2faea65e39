package dev.finetune4j.tokenizer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The special token strings of a tokenizer folder, as transformers resolves them ({@code special_tokens_map.json}
 * over {@code tokenizer_config.json}). Absent tokens are null.
 *
 * @param bos BOS text, e.g. {@code <s>} or {@code <|begin_of_text|>}
 * @param eos EOS text
 * @param unk unknown-token text
 * @param pad padding text
 * @param additional {@code additional_special_tokens}, possibly empty
 */
public record SpecialTokens(String bos, String eos, String unk, String pad, List<String> additional) {

    /** No special tokens at all. */
    public static final SpecialTokens NONE = new SpecialTokens(null, null, null, null, List.of());

    public SpecialTokens {
        additional = List.copyOf(additional);
    }

    /**
     * The variables transformers' {@code apply_chat_template} adds to the template context
     * ({@code **tokenizer.special_tokens_map}): only tokens that are set.
     */
    public Map<String, Object> templateVariables() {
        Map<String, Object> vars = new LinkedHashMap<>();
        if (bos != null) {
            vars.put("bos_token", bos);
        }
        if (eos != null) {
            vars.put("eos_token", eos);
        }
        if (unk != null) {
            vars.put("unk_token", unk);
        }
        if (pad != null) {
            vars.put("pad_token", pad);
        }
        if (!additional.isEmpty()) {
            vars.put("additional_special_tokens", additional);
        }
        return vars;
    }
}
