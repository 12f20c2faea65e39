package dev.finetune4j.data.encode;

import dev.finetune4j.data.source.Message;
import dev.finetune4j.tokenizer.ChatTemplate;
import dev.finetune4j.tokenizer.ChatTemplateException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Cuts a rendered conversation into (prompt, response) text per assistant message, exactly as llm-foundry's
 * {@code _slice_chat_formatted_example} (docs/training.md §4.1): for the assistant
 * message i, {@code full = render(messages[:i+1])} and {@code promptWithHistory = render(messages[:i],
 * add_generation_prompt=True)}; the text before is the conversation through the previous turn, and the three must
 * be prefixes of each other.
 */
public final class ChatTurnSlicer {

    /** Prompt and response text of one turn. */
    public record TurnText(String prompt, String response) {
    }

    private final ChatTemplate template;
    private final Map<String, Object> extraContext;

    /**
     * @param template     the model's chat template
     * @param extraContext variables for the template ({@code date_string}, …)
     */
    public ChatTurnSlicer(ChatTemplate template, Map<String, Object> extraContext) {
        this.template = template;
        this.extraContext = Map.copyOf(extraContext);
    }

    /** The turns of a conversation whose last message is from the assistant. */
    public List<TurnText> slice(List<Message> messages) {
        if (messages.isEmpty() || !messages.get(messages.size() - 1).role().equals("assistant")) {
            throw new InvalidExampleException("the last message must be from the assistant");
        }
        List<Map<String, Object>> input = messages.stream().map(Message::asTemplateInput).toList();
        List<TurnText> turns = new ArrayList<>();
        String previous = "";
        for (int i = 0; i < input.size(); i++) {
            if (!messages.get(i).role().equals("assistant")) {
                continue;
            }
            String full = render(input.subList(0, i + 1), false, i);
            String promptWithHistory = render(input.subList(0, i), true, i);
            if (!full.startsWith(previous)) {
                throw new InvalidExampleException("chat template output through messages[" + i + "] does not start with "
                        + "the conversation through the previous turn, so turns cannot be separated");
            }
            if (!promptWithHistory.startsWith(previous)) {
                throw new InvalidExampleException("chat template prompt before messages[" + i + "] does not start with "
                        + "the conversation through the previous turn");
            }
            if (!full.startsWith(promptWithHistory)) {
                throw new InvalidExampleException("chat template output through messages[" + i + "] does not start with "
                        + "the generation prompt rendered before it");
            }
            String prompt = promptWithHistory.substring(previous.length());
            String response = full.substring(promptWithHistory.length());
            turns.add(new TurnText(prompt, response));
            previous = previous + prompt + response;
        }
        return turns;
    }

    private String render(List<Map<String, Object>> messages, boolean addGenerationPrompt, int index) {
        try {
            return template.render(messages, addGenerationPrompt, extraContext);
        } catch (ChatTemplateException e) {
            throw new InvalidExampleException("chat template failed on messages[0.." + index + "]: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new InvalidExampleException("chat template failed on messages[0.." + index + "]: " + e, e);
        }
    }
}
