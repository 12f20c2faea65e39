package dev.finetune4j.tokenizer.jinja;

import java.time.Clock;
import java.util.Map;

/** Shorthands for rendering a template string in tests. */
final class JinjaTestSupport {
    private JinjaTestSupport() {
    }

    /** Stock Jinja2 settings. */
    static String render(String source, Map<String, ?> vars) {
        return Template.compile(source, "test", WhitespaceOptions.JINJA_DEFAULTS).render(vars, Clock.systemUTC());
    }

    static String render(String source) {
        return render(source, Map.of());
    }

    /** transformers' settings (trim_blocks, lstrip_blocks). */
    static String renderHf(String source, Map<String, ?> vars) {
        return Template.compile(source, "test", WhitespaceOptions.TRANSFORMERS).render(vars, Clock.systemUTC());
    }
}
