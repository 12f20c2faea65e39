package dev.finetune4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a model's tokenizer folder says besides {@code tokenizer.json}: special tokens, {@code add_bos_token} /
 * {@code add_eos_token}, {@code added_tokens_decoder} and the chat template(s). Resolution follows transformers'
 * {@code from_pretrained}: {@code special_tokens_map.json} overrides the special tokens of
 * {@code tokenizer_config.json}; {@code chat_template.jinja} (else {@code chat_template.json}) overrides its
 * {@code chat_template}; {@code additional_chat_templates/NAME.jinja} adds named templates.
 *
 * @param specialTokens  resolved special token strings
 * @param addBosToken    {@code add_bos_token}, null when the config does not set it
 * @param addEosToken    {@code add_eos_token}, null when the config does not set it
 * @param tokenizerClass {@code tokenizer_class} or null
 * @param cleanUpTokenizationSpaces {@code clean_up_tokenization_spaces}, null when not set
 * @param addedTokens    {@code added_tokens_decoder} by id (may be empty)
 * @param chatTemplates  chat templates by name; a plain string template is named {@code "default"}
 */
public record TokenizerFolderConfig(SpecialTokens specialTokens, Boolean addBosToken, Boolean addEosToken,
        String tokenizerClass, Boolean cleanUpTokenizationSpaces, Map<Integer, AddedToken> addedTokens, Map<String, String> chatTemplates) {

    public static final String CONFIG_FILE = "tokenizer_config.json";
    public static final String SPECIAL_TOKENS_FILE = "special_tokens_map.json";
    public static final String TEMPLATE_FILE = "chat_template.jinja";
    /** Processor-style template file, read when chat_template.jinja is absent. */
    public static final String TEMPLATE_JSON_FILE = "chat_template.json";
    /** Folder of named templates ({@code NAME.jinja}) that newer transformers versions save. */
    public static final String EXTRA_TEMPLATES_DIR = "additional_chat_templates";
    /** The name under which a single chat template is stored, and the one used when none is named. */
    public static final String DEFAULT_TEMPLATE = "default";

    private static final ObjectMapper JSON = new ObjectMapper();

    public TokenizerFolderConfig {
        addedTokens = Collections.unmodifiableMap(new LinkedHashMap<>(addedTokens));
        chatTemplates = Collections.unmodifiableMap(new LinkedHashMap<>(chatTemplates));
    }

    /** Reads the folder's config files; each is optional. */
    public static TokenizerFolderConfig read(Path folder) {
        JsonNode config = readJson(folder.resolve(CONFIG_FILE));
        JsonNode map = readJson(folder.resolve(SPECIAL_TOKENS_FILE));
        Path configFile = folder.resolve(CONFIG_FILE);

        String bos = token(map, "bos_token", folder.resolve(SPECIAL_TOKENS_FILE),
                token(config, "bos_token", configFile, null));
        String eos = token(map, "eos_token", folder.resolve(SPECIAL_TOKENS_FILE),
                token(config, "eos_token", configFile, null));
        String unk = token(map, "unk_token", folder.resolve(SPECIAL_TOKENS_FILE),
                token(config, "unk_token", configFile, null));
        String pad = token(map, "pad_token", folder.resolve(SPECIAL_TOKENS_FILE),
                token(config, "pad_token", configFile, null));
        List<String> additional = tokenList(map, "additional_special_tokens", folder.resolve(SPECIAL_TOKENS_FILE));
        if (additional == null) {
            additional = tokenList(config, "additional_special_tokens", configFile);
        }
        SpecialTokens special = new SpecialTokens(bos, eos, unk, pad, additional == null ? List.of() : additional);

        Map<Integer, AddedToken> added = new LinkedHashMap<>();
        JsonNode decoder = config == null ? null : config.get("added_tokens_decoder");
        if (decoder != null && decoder.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = decoder.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                int id;
                try {
                    id = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw new TokenizerLoadException(configFile + ": added_tokens_decoder key '" + e.getKey()
                            + "' is not an integer token id");
                }
                JsonNode content = e.getValue().get("content");
                if (content == null || !content.isTextual()) {
                    throw new TokenizerLoadException(configFile + ": added_tokens_decoder[\"" + e.getKey()
                            + "\"].content must be a string");
                }
                JsonNode t = e.getValue();
                boolean isSpecial = t.path("special").asBoolean(false);
                // defaults of transformers' AddedToken: normalized = not special
                added.put(id, new AddedToken(id, content.asText(), isSpecial, t.path("lstrip").asBoolean(false),
                        t.path("rstrip").asBoolean(false), t.path("normalized").asBoolean(!isSpecial),
                        t.path("single_word").asBoolean(false)));
            }
        }

        Map<String, String> templates = new LinkedHashMap<>();
        JsonNode tpl = config == null ? null : config.get("chat_template");
        if (tpl != null && !tpl.isNull()) {
            if (tpl.isTextual()) {
                templates.put(DEFAULT_TEMPLATE, tpl.asText());
            } else if (tpl.isArray()) {
                int i = 0;
                for (JsonNode entry : tpl) {
                    JsonNode name = entry.get("name");
                    JsonNode source = entry.get("template");
                    if (name == null || !name.isTextual() || source == null || !source.isTextual()) {
                        throw new TokenizerLoadException(configFile + ": chat_template[" + i
                                + "] must be an object with string fields 'name' and 'template'");
                    }
                    templates.put(name.asText(), source.asText());
                    i++;
                }
            } else {
                throw new TokenizerLoadException(configFile + ": chat_template must be a string or a list of "
                        + "{\"name\", \"template\"} objects, got " + tpl.getNodeType());
            }
        }
        Path jinja = folder.resolve(TEMPLATE_FILE);
        Path json = folder.resolve(TEMPLATE_JSON_FILE);
        if (Files.isRegularFile(jinja)) {
            templates.put(DEFAULT_TEMPLATE, readText(jinja));
        } else if (Files.isRegularFile(json)) {
            JsonNode t = readJson(json).get("chat_template");
            if (t == null || !t.isTextual()) {
                throw new TokenizerLoadException(json + ": expected {\"chat_template\": string}");
            }
            templates.put(DEFAULT_TEMPLATE, t.asText());
        }
        Path extraDir = folder.resolve(EXTRA_TEMPLATES_DIR);
        if (Files.isDirectory(extraDir)) {
            try (var files = Files.list(extraDir)) {
                for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".jinja")).sorted().toList()) {
                    String name = f.getFileName().toString();
                    templates.put(name.substring(0, name.length() - ".jinja".length()), readText(f));
                }
            } catch (IOException e) {
                throw new TokenizerLoadException("cannot list " + extraDir + ": " + e.getMessage(), e);
            }
        }
        return new TokenizerFolderConfig(special, bool(config, "add_bos_token", configFile),
                bool(config, "add_eos_token", configFile), text(config, "tokenizer_class"),
                bool(config, "clean_up_tokenization_spaces", configFile), added, templates);
    }

    private static String readText(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new TokenizerLoadException(file + " is not UTF-8 text (it holds bytes that are not valid UTF-8)", e);
        } catch (IOException e) {
            throw new TokenizerLoadException("cannot read " + file + " as UTF-8 text: " + e.getMessage(), e);
        }
    }

    private static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(file.toFile());
            if (node == null || !node.isObject()) {
                throw new TokenizerLoadException(file + ": expected a JSON object at the top level");
            }
            return node;
        } catch (IOException e) {
            throw new TokenizerLoadException(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    /** A special token value: a string, null, or an AddedToken object {"content": ...}. */
    private static String token(JsonNode obj, String key, Path file, String fallback) {
        if (obj == null || !obj.has(key)) {
            return fallback;
        }
        return tokenValue(obj.get(key), file + ": " + key);
    }

    private static String tokenValue(JsonNode v, String where) {
        if (v.isNull()) {
            return null;
        }
        if (v.isTextual()) {
            return v.asText();
        }
        if (v.isObject() && v.path("content").isTextual()) {
            return v.get("content").asText();
        }
        throw new TokenizerLoadException(where + " must be a string, null or {\"content\": string}, got " + v);
    }

    private static List<String> tokenList(JsonNode obj, String key, Path file) {
        if (obj == null || !obj.has(key) || obj.get(key).isNull()) {
            return null;
        }
        JsonNode v = obj.get(key);
        if (!v.isArray()) {
            throw new TokenizerLoadException(file + ": " + key + " must be a list of tokens, got " + v.getNodeType());
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : v) {
            out.add(tokenValue(item, file + ": " + key + "[" + out.size() + "]"));
        }
        return out;
    }

    private static Boolean bool(JsonNode obj, String key, Path file) {
        if (obj == null || !obj.has(key) || obj.get(key).isNull()) {
            return null;
        }
        JsonNode v = obj.get(key);
        if (!v.isBoolean()) {
            throw new TokenizerLoadException(file + ": " + key + " must be true or false, got " + v);
        }
        return v.asBoolean();
    }

    private static String text(JsonNode obj, String key) {
        return obj != null && obj.path(key).isTextual() ? obj.get(key).asText() : null;
    }
}
