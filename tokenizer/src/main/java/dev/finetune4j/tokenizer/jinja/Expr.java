package dev.finetune4j.tokenizer.jinja;

/** An expression node; {@code line} is its 1-based template line. */
abstract class Expr {
    final int line;

    Expr(int line) {
        this.line = line;
    }

    /** Building a long string costs one step per this many characters (copying is the work). */
    static final int BUILT_CHARS_PER_STEP = 256;

    /** False for nodes that only look a value up (names, constants, subscripts): their strings cost nothing new. */
    boolean buildsValues() {
        return true;
    }

    /** Evaluates under the render's budget: one step, one nesting level, and a size check of the result. */
    final Object eval(Frame frame) {
        RenderBudget budget = frame.state.budget;
        budget.step();
        budget.enter();
        try {
            Object value = evaluate(frame);
            if (value instanceof String s && s.length() >= BUILT_CHARS_PER_STEP && buildsValues()) {
                budget.chars(s.length(), "a string");
                budget.steps(s.length() / BUILT_CHARS_PER_STEP);
            }
            return value;
        } catch (ArithmeticException e) {
            throw new TemplateRuntimeException("OverflowError: " + e.getMessage()).atLine(line);
        } catch (ClassCastException | IndexOutOfBoundsException | IllegalArgumentException | NullPointerException
                | UnsupportedOperationException e) {
            // a value of a type the operation does not take, reaching Java code that assumed it: a template error
            throw new TemplateRuntimeException("TypeError: unsupported operand or argument type ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")")
                    .atLine(line);
        } finally {
            budget.leave();
        }
    }

    abstract Object evaluate(Frame frame);
}
