package dev.finetune4j.tokenizer.jinja;

/**
 * Jinja2 environment options that shape template text.
 *
 * @param trimBlocks          drop the first newline after a block or comment tag
 * @param lstripBlocks        strip spaces and tabs from the start of a line up to a block or comment tag
 * @param keepTrailingNewline keep a single trailing newline of the source
 */
public record WhitespaceOptions(boolean trimBlocks, boolean lstripBlocks, boolean keepTrailingNewline) {
    /** Stock Jinja2 defaults. */
    public static final WhitespaceOptions JINJA_DEFAULTS = new WhitespaceOptions(false, false, false);
    /** What transformers' {@code apply_chat_template} uses. */
    public static final WhitespaceOptions TRANSFORMERS = new WhitespaceOptions(true, true, false);
}
