package dev.finetune4j.tokenizer.template;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.finetune4j.tokenizer.ChatTemplateException;
import dev.finetune4j.tokenizer.jinja.RenderLimits;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Grammar-based fuzz of chat templates: random nesting of the constructs real templates use (if/elif/else, for with
 * loop variables and filters, set and block set, namespace, macro and call blocks, filters, tests, arithmetic,
 * string/list building, subscripts, occasionally very deep brackets or huge numbers). Seeded ({@code -Dfuzz.seed})
 * and bounded: every template must parse-and-render within 5 s and fail, if at all, only with
 * {@link ChatTemplateException}; the slowest one is printed.
 */
class TemplateFuzzTest {
    private static final long SEED = Long.getLong("fuzz.seed", 16);
    private static final int TEMPLATES = 1500;
    private static final RenderLimits LIMITS = new RenderLimits(1_000_000, 1_000_000, 100_000, 100_000, 100, 300);
    private static final String[] FILTERS = {"length", "upper", "lower", "join(',')", "center(N)", "indent(N)",
        "tojson", "tojson(indent=N)", "replace('a', E)", "list", "sort", "unique", "reverse", "first", "last",
        "default(E)", "string", "int", "trim", "map('string')", "select('defined')", "batch(N, 0)", "format(E)",
        "items", "dictsort", "selectattr('role')", "sum", "abs", "round", "wordcount", "capitalize", "title",
        "truncate(N)", "safe", "e", "pprint", "min", "max", "count", "attr('x')", "batch(N)", "slice(N)"};
    private static final String[] TESTS = {"defined", "undefined", "none", "string", "number", "mapping",
        "iterable", "sequence", "divisibleby(3)", "equalto(E)", "in(E)", "true", "false", "integer", "odd", "even"};
    private static final String[] NAMES = {"messages", "m", "x", "ns.s", "ns.n", "loop.index", "loop.first",
        "bos_token", "tools", "add_generation_prompt", "m['content']", "m.role", "i", "undefined_name"};

    private final Random rnd = new Random(SEED);

    @Test
    void randomTemplatesEndInTimeWithOnlyTemplateErrors() {
        System.out.println("TemplateFuzzTest seed " + SEED + ", " + TEMPLATES + " templates");
        List<Map<String, Object>> chat = List.of(Map.of("role", "system", "content", "be brief"),
                Map.of("role", "user", "content", "a" .repeat(50)), Map.of("role", "assistant", "content", "ok"));
        int rendered = 0;
        int refused = 0;
        long slowest = 0;
        String slowestSource = "";
        for (int n = 0; n < TEMPLATES; n++) {
            String source = template();
            long t0 = System.nanoTime();
            try {
                Boolean ok = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
                    try {
                        JinjaChatTemplate.compile(source, "fuzz" + SEED + "#" + source.hashCode(),
                                Map.of("bos_token", "<s>"), LIMITS).render(chat, true, Map.of());
                        return true;
                    } catch (ChatTemplateException e) {
                        return false;
                    }
                }, () -> "template did not end in 5 s: " + source);
                if (ok) {
                    rendered++;
                } else {
                    refused++;
                }
            } catch (Throwable e) {
                if (e instanceof AssertionError a && a.getMessage().startsWith("template did not end")) {
                    throw a;
                }
                fail("unexpected " + e + " from template:\n" + source, e);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (ms > slowest) {
                slowest = ms;
                slowestSource = source;
            }
        }
        System.out.println("TemplateFuzzTest: " + rendered + " rendered, " + refused + " refused with "
                + "ChatTemplateException, slowest " + slowest + " ms: "
                + slowestSource.substring(0, Math.min(300, slowestSource.length())));
        assertTrue(rendered > TEMPLATES / 10 && refused > TEMPLATES / 10, "the grammar should exercise both");
    }

    private String template() {
        StringBuilder b = new StringBuilder();
        if (rnd.nextInt(3) == 0) {
            b.append("{% set ns = namespace(s='', n=0) %}");
        }
        int statements = 1 + rnd.nextInt(4);
        for (int i = 0; i < statements; i++) {
            statement(b, 0, false);
        }
        return b.toString();
    }

    private void statement(StringBuilder b, int depth, boolean inLoop) {
        int pick = depth > 5 ? rnd.nextInt(3) : rnd.nextInt(13);
        switch (pick) {
            case 0 -> b.append(rnd.nextBoolean() ? "text\n" : " <|x|> ");
            case 1, 2 -> b.append("{{ ").append(expr(0)).append(" }}");
            case 3 -> {
                b.append("{% if ").append(expr(0)).append(" %}");
                statement(b, depth + 1, inLoop);
                if (rnd.nextBoolean()) {
                    b.append("{% elif ").append(expr(0)).append(" %}");
                    statement(b, depth + 1, inLoop);
                }
                if (rnd.nextBoolean()) {
                    b.append("{% else %}");
                    statement(b, depth + 1, inLoop);
                }
                b.append("{% endif %}");
            }
            case 4, 5 -> {
                String var = rnd.nextBoolean() ? "m" : "i";
                b.append("{% for ").append(var).append(" in ").append(rnd.nextInt(3) == 0 ? "messages"
                        : "range(" + number() + ")");
                if (rnd.nextInt(4) == 0) {
                    b.append(" if ").append(expr(1));
                }
                b.append(" %}");
                int body = 1 + rnd.nextInt(2);
                for (int i = 0; i < body; i++) {
                    statement(b, depth + 1, true);
                }
                if (rnd.nextInt(5) == 0) {
                    b.append("{% else %}x");
                }
                b.append("{% endfor %}");
            }
            case 6 -> b.append("{% set x = ").append(expr(0)).append(" %}");
            case 7 -> b.append("{% set ns = namespace(s='', n=0) %}{% set ns.").append(rnd.nextBoolean() ? "s"
                    : "n").append(" = ").append(expr(0)).append(" %}");
            case 8 -> {
                b.append("{% macro f(a, b=").append(expr(2)).append(") %}");
                statement(b, depth + 1, false);
                b.append("{{ a }}{% endmacro %}{{ f(").append(expr(1)).append(") }}");
            }
            case 9 -> {
                b.append("{% set x %}");
                statement(b, depth + 1, inLoop);
                b.append("{% endset %}{{ x|length }}");
            }
            case 10 -> {
                b.append("{% filter upper %}");
                statement(b, depth + 1, inLoop);
                b.append("{% endfilter %}");
            }
            case 11 -> b.append(inLoop ? (rnd.nextBoolean() ? "{% break %}" : "{% continue %}")
                    : "{{ raise_exception('no') if " + expr(1) + " }}");
            default -> {
                b.append("{% macro g() %}{{ caller() }}{% endmacro %}{% call g() %}");
                statement(b, depth + 1, false);
                b.append("{% endcall %}");
            }
        }
    }

    private String number() {
        return switch (rnd.nextInt(6)) {
            case 0 -> "10**" + rnd.nextInt(12);
            case 1 -> "-" + rnd.nextInt(5);
            case 2 -> Integer.toString(rnd.nextInt(100_000));
            default -> Integer.toString(rnd.nextInt(20));
        };
    }

    private String expr(int depth) {
        if (depth > 4) {
            return atom();
        }
        return switch (rnd.nextInt(16)) {
            case 0, 1 -> atom();
            case 2 -> expr(depth + 1) + " " + pickOp() + " " + expr(depth + 1);
            case 3 -> expr(depth + 1) + "|" + FILTERS[rnd.nextInt(FILTERS.length)].replace("N", number())
                    .replace("E", atom());
            case 4 -> expr(depth + 1) + " is " + (rnd.nextBoolean() ? "not " : "")
                    + TESTS[rnd.nextInt(TESTS.length)].replace("E", atom());
            case 5 -> "(" + expr(depth + 1) + " if " + expr(depth + 1) + " else " + expr(depth + 1) + ")";
            case 6 -> "[" + expr(depth + 1) + ", " + expr(depth + 1) + "]";
            case 7 -> "{'role': " + expr(depth + 1) + ", 'content': " + expr(depth + 1) + "}";
            case 8 -> expr(depth + 1) + "[" + (rnd.nextBoolean() ? number() : number() + ":" + number()) + "]";
            case 9 -> "not " + expr(depth + 1);
            case 10 -> "range(" + number() + ")";
            case 11 -> expr(depth + 1) + (rnd.nextBoolean() ? " * " : " ~ ") + number();
            case 12 -> deep();
            case 13 -> "(" + expr(depth + 1) + ")." + (rnd.nextBoolean() ? "upper()" : "split('a')");
            case 14 -> "'%s-%d' % (" + expr(depth + 1) + ", " + number() + ")";
            default -> expr(depth + 1) + (rnd.nextBoolean() ? " and " : " or ") + expr(depth + 1);
        };
    }

    private String deep() {
        int n = rnd.nextInt(3) == 0 ? 50 + rnd.nextInt(400) : 1 + rnd.nextInt(10);
        String open = rnd.nextBoolean() ? "(" : "[";
        String close = open.equals("(") ? ")" : "]";
        return open.repeat(n) + atom() + close.repeat(n);
    }

    private String pickOp() {
        String[] ops = {"+", "-", "*", "/", "//", "%", "**", "~", "==", "!=", "<", ">=", "in", "not in"};
        return ops[rnd.nextInt(ops.length)];
    }

    private String atom() {
        return switch (rnd.nextInt(7)) {
            case 0 -> number();
            case 1 -> "'" + "ab".repeat(rnd.nextInt(4)) + "'";
            case 2 -> "[1, 2, 3]";
            case 3 -> "none";
            case 4 -> rnd.nextBoolean() ? "true" : "1.5";
            default -> NAMES[rnd.nextInt(NAMES.length)];
        };
    }

}
