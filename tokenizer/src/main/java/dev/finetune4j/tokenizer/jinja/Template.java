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

    private Template(String name, List<Stmt> body) {
        this.name = name;
        this.body = body;
    }

    /**
     * Parses {@code source}.
     *
     * @throws TemplateSyntaxException naming {@code name} and the line when the source is not valid (supported) Jinja
     */
    public static Template compile(String source, String name, WhitespaceOptions options) {
        List<Token> tokens = new Lexer(source, name, options).tokenize();
        return new Template(name, new Parser(tokens, name).parse());
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
     *                                  the template line and, inside a loop over {@code messages}, the message index
     */
    public String render(Map<String, ?> variables, Clock clock) {
        Map<String, Object> globals = Builtins.globals(clock);
        for (Map.Entry<String, ?> e : variables.entrySet()) {
            globals.put(e.getKey(), Py.fromJava(e.getValue()));
        }
        Object messages = globals.get("messages");
        RenderState state = new RenderState(globals, messages instanceof List<?> ? Py.items(messages)
                : List.of());
        Frame root = new Frame(null, state);
        StringBuilder out = new StringBuilder();
        try {
            Stmt.execAll(body, root, out);
        } catch (LoopControl c) {
            throw new TemplateRuntimeException("SyntaxError: '" + (c == LoopControl.BREAK ? "break" : "continue")
                    + "' outside loop");
        } catch (StackOverflowError e) {
            throw new TemplateRuntimeException("RecursionError: maximum recursion depth exceeded");
        } catch (ArithmeticException e) {
            throw new TemplateRuntimeException("OverflowError: " + e.getMessage());
        }
        return out.toString();
    }
}
