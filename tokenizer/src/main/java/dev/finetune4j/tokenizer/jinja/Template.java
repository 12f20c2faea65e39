package dev.finetune4j.tokenizer.jinja;

import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * A compiled Jinja template. Compile once, render many times (rendering is thread-safe: all state is per call).
 * Variables passed in are data: strings are emitted as they are, never parsed as template code.
 */
public final class Template {
    private final String name;
    private final List<Stmt> body;
    private final RenderLimits limits;

    private Template(String name, List<Stmt> body, RenderLimits limits) {
        this.name = name;
        this.body = body;
        this.limits = limits;
    }

    /**
     * Parses {@code source}.
     *
     * @throws TemplateSyntaxException naming {@code name} and the line when the source is not valid (supported) Jinja
     */
    public static Template compile(String source, String name, WhitespaceOptions options) {
        return compile(source, name, options, RenderLimits.DEFAULT);
    }

    /**
     * Parses {@code source}; its renders are bounded by {@code limits}.
     *
     * @throws TemplateSyntaxException naming {@code name} and the line when the source is not valid (supported) Jinja
     *                                 or nests deeper than {@link RenderLimits#maxNesting()}
     */
    public static Template compile(String source, String name, WhitespaceOptions options, RenderLimits limits) {
        List<Token> tokens = new Lexer(source, name, options).tokenize();
        return new Template(name, new Parser(tokens, name, limits.maxNesting()).parse(), limits);
    }

    /** The limits every render of this template runs under. */
    public RenderLimits limits() {
        return limits;
    }

    /** The name used in error messages. */
    public String name() {
        return name;
    }

    /**
     * Renders with {@code variables} (Java maps, lists, strings, numbers, booleans, null, or Jackson nodes).
     *
     * @param clock the time {@code strftime_now} sees
     * @throws TemplateRuntimeException when rendering fails (raise_exception, type errors, undefined use); it carries
     *                                  the template line and, inside a loop over {@code messages}, the message index;
     *                                  a {@link RenderLimitException} when the render exceeds {@link #limits()}
     */
    public String render(Map<String, ?> variables, Clock clock) {
        return render(variables, clock, new RenderBudget(limits));
    }

    /** Renders under {@code budget} (which keeps the counters for inspection afterwards). */
    String render(Map<String, ?> variables, Clock clock, RenderBudget budget) {
        RenderBudget previous = budget.activate();
        try {
            return renderActive(variables, clock, budget);
        } finally {
            RenderBudget.deactivate(previous);
        }
    }

    private String renderActive(Map<String, ?> variables, Clock clock, RenderBudget budget) {
        Map<String, Object> globals = Builtins.globals(clock);
        for (Map.Entry<String, ?> e : variables.entrySet()) {
            globals.put(e.getKey(), Py.fromJava(e.getValue()));
        }
        Object messages = globals.get("messages");
        RenderState state = new RenderState(globals, messages instanceof List<?> ? Py.items(messages)
                : List.of(), budget);
        Frame root = new Frame(null, state);
        StringBuilder out = new StringBuilder();
        try {
            Stmt.execAll(body, root, out);
        } catch (LoopControl c) {
            throw new TemplateRuntimeException("SyntaxError: '" + (c == LoopControl.BREAK ? "break" : "continue")
                    + "' outside loop");
        } catch (StackOverflowError e) {
            // the nesting and call-depth limits are checked explicitly; this only guards a caller's tiny thread stack
            throw new RenderLimitException("maxNesting", limits.maxNesting(), "nesting (the thread's Java stack ran "
                    + "out first)");
        } catch (ArithmeticException e) {
            throw new TemplateRuntimeException("OverflowError: " + e.getMessage());
        }
        return out.toString();
    }
}
