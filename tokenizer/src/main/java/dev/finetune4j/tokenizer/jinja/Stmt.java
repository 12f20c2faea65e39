package dev.finetune4j.tokenizer.jinja;

import java.util.List;

/** A statement node: writes its output to {@code out}. */
abstract class Stmt {
    final int line;

    Stmt(int line) {
        this.line = line;
    }

    abstract void exec(Frame frame, StringBuilder out);

    /** Runs statements in order; a failure is tagged with the line of the innermost failing statement. */
    static void execAll(List<Stmt> body, Frame frame, StringBuilder out) {
        for (Stmt s : body) {
            try {
                s.exec(frame, out);
            } catch (TemplateRuntimeException e) {
                throw e.atLine(s.line);
            }
        }
    }
}
