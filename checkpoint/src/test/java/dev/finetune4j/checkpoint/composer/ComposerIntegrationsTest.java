package dev.finetune4j.checkpoint.composer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The peft_config entry in both shapes (the model class path comes from the engine's family spec). */
class ComposerIntegrationsTest {
    private static final ObjectMapper M = new ObjectMapper();

    @Test
    void peftConfigInComposersShapeAndTheEarlierBareDict() {
        ObjectNode adapter = M.createObjectNode().put("r", 8).put("peft_type", "LORA");
        Map<String, Object> entry = ComposerIntegrations.peftConfigEntry(adapter);
        assertEquals(".json", entry.get("file_extension"));
        assertEquals(Map.of("r", 8L, "peft_type", "LORA"), entry.get("content"));
        assertEquals(entry.get("content"), ComposerIntegrations.peftConfigContent(entry));
        Object bare = PyJson.toPython(adapter);
        assertSame(bare, ComposerIntegrations.peftConfigContent(bare));
    }
}
