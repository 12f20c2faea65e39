package dev.finetune4j.tokenizer.jinja;

/** An expression node; {@code line} is its 1-based template line. */
abstract class Expr {
    final int line;

    Expr(int line) {
        this.line = line;
    }

    /** Evaluates under the render's budget: one step, one nesting level, and a size check of the result. */
    final Object eval(Frame frame) {
        RenderBudget budget = frame.state.budget;
        budget.step();
        budget.enter();
        try {
            Object value = evaluate(frame);
            if (value instanceof String s && s.length() > budget.limits.maxValueSize()) {
                budget.chars(s.length(), "a string");
            }
            return value;
        } finally {
            budget.leave();
        }
    }

    abstract Object evaluate(Frame frame);
}
