package dev.finetune4j.tokenizer.jinja;

/** {@code {% break %}} and {@code {% continue %}} unwind to the innermost loop through these (no stack traces). */
final class LoopControl extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final LoopControl BREAK = new LoopControl("break");
    static final LoopControl CONTINUE = new LoopControl("continue");

    private LoopControl(String what) {
        super(what, null, false, false);
    }
}
