package dev.finetune4j.tokenizer;

/** A chat template failed to parse or render; the message names the template, line and message index. */
public class ChatTemplateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ChatTemplateException(String message) {
        super(message);
    }

    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
