package dev.finetune4j.tokenizer;

/**
 * A chat conversation must be rendered but the tokenizer folder has no chat template and the run does not allow the
 * ChatML default.
 */
public class MissingChatTemplateException extends ChatTemplateException {
    private static final long serialVersionUID = 1L;

    public MissingChatTemplateException(String message) {
        super(message);
    }
}
