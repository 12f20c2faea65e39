package dev.finetune4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/** Rewrites of the {@code post_processor} of a tokenizer.json, as transformers' fast tokenizer classes do on load. */
final class PostProcessors {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private PostProcessors() {
    }

    /**
     * transformers' {@code LlamaTokenizerFast.update_post_processor}: a TemplateProcessing with
     * {@code [bos:0] $A:0 [eos:0]} (single) and {@code ... [bos:1] $B:1 [eos:1]} (pair) from add_bos_token (default
     * true) and add_eos_token (default false), set on {@code tree} in place. Returns {@code tree} unchanged when the
     * config sets neither flag.
     */
    static JsonNode llamaStyle(JsonNode tree, TokenizerFolderConfig config, Vocabulary vocab, Path file) {
        if (config.addBosToken() == null && config.addEosToken() == null) {
            return tree;
        }
        boolean addBos = config.addBosToken() == null || config.addBosToken();
        boolean addEos = config.addEosToken() != null && config.addEosToken();
        String bos = config.specialTokens().bos();
        String eos = config.specialTokens().eos();
        Path configFile = file.resolveSibling(TokenizerFolderConfig.CONFIG_FILE);
        if (addBos && (bos == null || vocab.id(bos).isEmpty())) {
            throw new TokenizerLoadException(configFile + ": add_bos_token is true but bos_token "
                    + (bos == null ? "is not set" : "'" + bos + "' is not in the vocabulary"));
        }
        if (addEos && (eos == null || vocab.id(eos).isEmpty())) {
            throw new TokenizerLoadException(configFile + ": add_eos_token is true but eos_token "
                    + (eos == null ? "is not set" : "'" + eos + "' is not in the vocabulary"));
        }
        ArrayNode single = F.arrayNode();
        ArrayNode pair = F.arrayNode();
        for (int typeId = 0; typeId < 2; typeId++) {
            ArrayNode target = pair;
            if (addBos) {
                target.add(special(bos, typeId));
            }
            target.add(sequence(typeId == 0 ? "A" : "B", typeId));
            if (addEos) {
                target.add(special(eos, typeId));
            }
        }
        if (addBos) {
            single.add(special(bos, 0));
        }
        single.add(sequence("A", 0));
        if (addEos) {
            single.add(special(eos, 0));
        }
        ObjectNode specials = F.objectNode();
        if (addBos) {
            specials.set(bos, specialEntry(bos, vocab.id(bos).getAsInt()));
        }
        if (addEos) {
            specials.set(eos, specialEntry(eos, vocab.id(eos).getAsInt()));
        }
        ObjectNode processor = F.objectNode();
        processor.put("type", "TemplateProcessing");
        processor.set("single", single);
        processor.set("pair", pair);
        processor.set("special_tokens", specials);
        ObjectNode root = (ObjectNode) tree;
        root.set("post_processor", processor);
        return root;
    }

    private static ObjectNode special(String token, int typeId) {
        ObjectNode inner = F.objectNode().put("id", token).put("type_id", typeId);
        return F.objectNode().set("SpecialToken", inner);
    }

    private static ObjectNode sequence(String id, int typeId) {
        ObjectNode inner = F.objectNode().put("id", id).put("type_id", typeId);
        return F.objectNode().set("Sequence", inner);
    }

    private static ObjectNode specialEntry(String token, int id) {
        ObjectNode e = F.objectNode().put("id", token);
        e.set("ids", F.arrayNode().add(id));
        e.set("tokens", F.arrayNode().add(token));
        return e;
    }
}
