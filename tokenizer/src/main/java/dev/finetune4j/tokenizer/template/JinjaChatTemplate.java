package dev.finetune4j.tokenizer.template;

import dev.finetune4j.tokenizer.ChatTemplate;
import dev.finetune4j.tokenizer.ChatTemplateException;
import dev.finetune4j.tokenizer.jinja.RenderLimits;
import dev.finetune4j.tokenizer.jinja.Template;
import dev.finetune4j.tokenizer.jinja.TemplateRuntimeException;
import dev.finetune4j.tokenizer.jinja.TemplateSyntaxException;
import dev.finetune4j.tokenizer.jinja.WhitespaceOptions;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face chat template with transformers' {@code apply_chat_template} semantics: {@code trim_blocks} and
 * {@code lstrip_blocks} on, no trailing newline kept, context = special tokens + {@code tools}/{@code documents}
 * (None unless given, as transformers passes them) + extra context + {@code messages} + {@code add_generation_prompt}
 * (only when not null), with {@code raise_exception} and {@code strftime_now}.
 * Immutable and thread-safe.
 */
public final class JinjaChatTemplate implements ChatTemplate {
    private final String source;
    private final String name;
    private final Template template;
    private final Map<String, Object> specialTokens;
    private final Clock clock;

    private JinjaChatTemplate(String source, String name, Template template, Map<String, Object> specialTokens,
            Clock clock) {
        this.source = source;
        this.name = name;
        this.template = template;
        this.specialTokens = specialTokens;
        this.clock = clock;
    }

    /**
     * Compiles a chat template.
     *
     * @param source        the Jinja source (tokenizer_config.json's chat_template or chat_template.jinja)
     * @param name          used in error messages (e.g. "llama3.2:chat_template")
     * @param specialTokens bos_token, eos_token, unk_token, pad_token… as the template should see them
     * @throws ChatTemplateException naming the template and line when the source does not parse
     */
    public static JinjaChatTemplate compile(String source, String name, Map<String, Object> specialTokens) {
        return compile(source, name, specialTokens, RenderLimits.DEFAULT);
    }

    /**
     * Compiles a chat template whose renders run under {@code limits} (size, steps, nesting; a render over one fails
     * with a {@link ChatTemplateException} naming the template, the line and the limit).
     *
     * @throws ChatTemplateException naming the template and line when the source does not parse or nests too deep
     */
    public static JinjaChatTemplate compile(String source, String name, Map<String, Object> specialTokens,
            RenderLimits limits) {
        try {
            Template t = Template.compile(source, name, WhitespaceOptions.TRANSFORMERS, limits);
            return new JinjaChatTemplate(source, name, t, new LinkedHashMap<>(specialTokens), Clock.systemUTC());
        } catch (TemplateSyntaxException e) {
            throw new ChatTemplateException("chat template does not parse: " + e.getMessage(), e);
        }
    }

    /** The same template with {@code strftime_now} reading {@code clock} (for reproducible dates). */
    public JinjaChatTemplate withClock(Clock newClock) {
        return new JinjaChatTemplate(source, name, template, specialTokens, newClock);
    }

    /** The Jinja source. */
    public String source() {
        return source;
    }

    /** The name used in error messages. */
    public String name() {
        return name;
    }

    @Override
    public String render(List<Map<String, Object>> messages, Boolean addGenerationPrompt,
            Map<String, Object> extraContext) {
        Map<String, Object> context = new LinkedHashMap<>(specialTokens);
        // transformers' render_jinja_template always passes tools= and documents= (None when not given), so
        // templates testing `tools is not none` see None, not Undefined
        context.put("tools", null);
        context.put("documents", null);
        if (extraContext != null) {
            context.putAll(extraContext);
        }
        context.put("messages", messages);
        if (addGenerationPrompt != null) {
            context.put("add_generation_prompt", addGenerationPrompt);
        }
        try {
            return template.render(context, clock);
        } catch (TemplateRuntimeException e) {
            StringBuilder where = new StringBuilder("chat template '").append(name).append("'");
            if (e.line() > 0) {
                where.append(" line ").append(e.line());
            }
            if (e.messageIndex() >= 0) {
                where.append(" (message ").append(e.messageIndex()).append(')');
            }
            String what = e.raisedByTemplate() ? " raised: " : " failed: ";
            throw new ChatTemplateException(where + what + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new ChatTemplateException("chat template '" + name + "': " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "JinjaChatTemplate[" + name + "]";
    }
}
