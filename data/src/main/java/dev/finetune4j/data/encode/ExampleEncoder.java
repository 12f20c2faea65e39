package dev.finetune4j.data.encode;

import dev.finetune4j.data.TargetPrompts;
import dev.finetune4j.data.TargetResponses;
import dev.finetune4j.data.source.ChatExample;
import dev.finetune4j.data.source.Example;
import dev.finetune4j.data.source.PromptResponseExample;
import dev.finetune4j.data.source.TextChunk;
import dev.finetune4j.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Encodes one parsed example (thread-safe when the tokenizer and template are): chat turns via
 * {@link ChatTurnSlicer} tokenized without special tokens (they come from the template), prompt/response with the
 * tokenizer's special tokens and the response's BOS removed, text pieces with BOS on a document's first piece only
 * (docs/training.md §4.1–§4.4).
 */
public final class ExampleEncoder {

    private final TextTokenizer tokenizer;
    private final ChatTurnSlicer slicer;
    private final TargetPrompts targetPrompts;
    private final TargetResponses targetResponses;
    private final OptionalInt eos;
    private final OptionalInt bos;

    /**
     * @param tokenizer       the model's tokenizer
     * @param slicer          chat turn slicer (may be null when no chat data is encoded)
     * @param targetPrompts   prompt policy
     * @param targetResponses response policy
     */
    public ExampleEncoder(TextTokenizer tokenizer, ChatTurnSlicer slicer, TargetPrompts targetPrompts,
                          TargetResponses targetResponses) {
        this.tokenizer = tokenizer;
        this.slicer = slicer;
        this.targetPrompts = targetPrompts;
        this.targetResponses = targetResponses;
        this.eos = tokenizer.eosTokenId();
        this.bos = tokenizer.bosTokenId();
    }

    /** Encodes one example. */
    public EncodeResult encode(Example example) {
        try {
            if (example instanceof ChatExample chat) {
                return encodeChat(chat);
            }
            if (example instanceof PromptResponseExample pr) {
                return encodePromptResponse(pr);
            }
            TextChunk chunk = (TextChunk) example;
            return EncodeResult.ofChunk(chunk, tokenizer.encode(chunk.text(), chunk.first()));
        } catch (InvalidExampleException e) {
            return EncodeResult.invalid(e.getMessage());
        }
    }

    private EncodeResult encodeChat(ChatExample chat) {
        List<ChatTurnSlicer.TurnText> texts = slicer.slice(chat.messages());
        List<Turn> turns = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            int[] prompt = tokenizer.encode(texts.get(i).prompt(), false);
            int[] response = tokenizer.encode(texts.get(i).response(), false);
            if (prompt.length == 0 || response.length == 0) { // llm-foundry is_valid_ift_example
                return EncodeResult.dropped("turn " + (i + 1) + " has an empty " + (prompt.length == 0 ? "prompt" : "response")
                        + " after templating");
            }
            turns.add(new Turn(prompt, response));
        }
        return EncodeResult.of(TurnStitcher.stitch(turns, targetPrompts, targetResponses, eos));
    }

    private EncodeResult encodePromptResponse(PromptResponseExample pr) {
        int[] prompt = tokenizer.encode(pr.prompt(), true);
        int[] response = tokenizer.encode(pr.response(), true);
        if (bos.isPresent() && response.length > 0 && response[0] == bos.getAsInt()) {
            response = java.util.Arrays.copyOfRange(response, 1, response.length); // no BOS in mid-sequence (docs/training.md §4.2)
        }
        if (prompt.length == 0 || response.length == 0) {
            return EncodeResult.dropped("the " + (prompt.length == 0 ? "prompt" : "response") + " tokenizes to nothing");
        }
        return EncodeResult.of(TurnStitcher.stitch(List.of(new Turn(prompt, response)), targetPrompts, targetResponses, eos));
    }
}
