package dev.finetune4j.tokenizer;

/** A tokenizer folder could not be loaded; the message names the file, the key and what is allowed. */
public class TokenizerLoadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TokenizerLoadException(String message) {
        super(message);
    }

    public TokenizerLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
