package dev.finetune4j.tokenizer.jinja;

/** An expression node; {@code line} is its 1-based template line. */
abstract class Expr {
    final int line;

    Expr(int line) {
        this.line = line;
    }

    abstract Object eval(Frame frame);
}
