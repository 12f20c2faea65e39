package dev.finetune4j.tokenizer.jinja;

import java.util.List;

/** A statement node: writes its output to {@code out}. */
abstract class Stmt {
    final int line;

    Stmt(int line) {
        this.line = line;
    }

    abstract void exec(Frame frame, StringBuilder out);

    /**
     * Runs statements in order, one budget step each, checking the length of {@code out} after each; a failure is
     * tagged with the line of the innermost failing statement.
     */
    static void execAll(List<Stmt> body, Frame frame, StringBuilder out) {
        RenderBudget budget = frame.state.budget;
        for (Stmt s : body) {
            try {
                budget.step();
                s.exec(frame, out);
                budget.output(out.length());
            } catch (TemplateRuntimeException e) {
                throw e.atLine(s.line);
            }
        }
    }
}
