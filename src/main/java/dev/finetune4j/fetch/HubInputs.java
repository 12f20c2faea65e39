package dev.finetune4j.fetch;

import dev.finetune4j.config.ConfigException;
import dev.finetune4j.config.RunConfig;
import dev.finetune4j.hub.HfUri;
import dev.finetune4j.hub.HubClient;
import dev.finetune4j.hub.HubException;
import dev.finetune4j.hub.RepoRef;
import dev.finetune4j.hub.RepoType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches the Hub references of a configuration (docs/hub.md "Hub references in a run configuration"):
 * {@code model: org/name[@rev]} → the files a run needs; {@code train_data_path}/{@code eval_data_path:
 * hf://datasets/org/name[@rev]/path} → that file or folder; {@code custom_weights_path} → an {@code hf://} file or
 * folder, or a whole repository. A path that exists locally always wins.
 */
public final class HubInputs {

    private static final Logger LOG = LoggerFactory.getLogger(HubInputs.class);

    private HubInputs() {
    }

    /** The configuration with its Hub references replaced by local paths (the same object when it has none). */
    public static RunConfig resolve(RunConfig config) {
        return resolve(config, HubClient::fromEnvironment);
    }

    /** As {@link #resolve(RunConfig)} with a given client (tests). */
    public static RunConfig resolve(RunConfig config, Supplier<HubClient> clients) {
        if (config.hubReferences().isEmpty()) {
            return config;
        }
        HubClient hub = clients.get();
        Map<String, Path> local = new HashMap<>();
        for (Map.Entry<String, String> e : config.hubReferences().entrySet()) {
            String key = e.getKey();
            String ref = e.getValue();
            Path configured = switch (key) {
                case "model" -> config.model();
                default -> null;
            };
            if (configured != null && Files.exists(configured)) {
                continue; // created since the configuration was loaded: the local path wins
            }
            try {
                Path p = fetch(hub, key, ref);
                LOG.info("{}: {} -> {}", key, ref, p);
                local.put(key, p);
            } catch (HubException | IllegalArgumentException ex) {
                throw new ConfigException(null, key, (HfUri.isHfUri(ref) ? "" : "'" + ref + "' is not a local path ("
                        + configured + " does not exist), and as a Hub repository: ") + ex.getMessage());
            }
        }
        return config.withInputs(local.get("model"), local.get("train_data_path"), local.get("eval_data_path"),
                local.get("custom_weights_path"));
    }

    private static Path fetch(HubClient hub, String key, String ref) {
        if (HfUri.isHfUri(ref)) {
            HfUri uri = HfUri.parse(ref);
            if (key.equals("model") && uri.path().isEmpty()) {
                return hub.model(uri.repo());
            }
            return hub.resolve(uri);
        }
        return hub.model(RepoRef.parse(RepoType.MODEL, ref));
    }

    /**
     * A CLI model or tokenizer folder: {@code value} itself when it exists, else a Hub model reference
     * ({@code org/name[@rev]} or {@code hf://...}) fetched into the cache; anything else is returned unchanged so the
     * command reports the missing folder as before.
     *
     * @param tokenizerOnly fetch only the configs and tokenizer files, not the weights
     */
    public static Path modelFolder(String raw, boolean tokenizerOnly) {
        return modelFolder(raw, tokenizerOnly, HubClient::fromEnvironment);
    }

    static Path modelFolder(String raw, boolean tokenizerOnly, Supplier<HubClient> clients) {
        boolean hf = HfUri.isHfUri(raw);
        if (!hf) {
            Path value = Path.of(raw);
            if (Files.exists(value) || value.isAbsolute() || raw.startsWith(".") || !RepoRef.looksLikeRef(raw)) {
                return value;
            }
        }
        HubClient hub = clients.get();
        try {
            if (hf) {
                HfUri uri = HfUri.parse(raw);
                return uri.path().isEmpty() ? (tokenizerOnly ? hub.tokenizer(uri.repo()) : hub.model(uri.repo())) : hub.resolve(uri);
            }
            RepoRef repo = RepoRef.parse(RepoType.MODEL, raw);
            return tokenizerOnly ? hub.tokenizer(repo) : hub.model(repo);
        } catch (HubException e) {
            throw new HubException(e.reason(), "'" + raw + "' is not a local folder; as a Hub repository: " + e.getMessage(), e);
        }
    }
}
