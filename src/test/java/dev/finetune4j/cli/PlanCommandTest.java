package dev.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code plan} on the Llama-3.1-8B example configurations (config.json only, no weights) and train's refusal. */
class PlanCommandTest {

    private static final Path EXAMPLES = Path.of("..", "examples", "plan");

    @Test
    void jsonHasExactlyTheDocumentedKeys() throws Exception {
        CliRun r = CliRun.of("plan", EXAMPLES.resolve("full-ft.yaml").toString(), "--device-memory", "80", "--json");
        assertEquals(0, r.exitCode(), r.stderr());
        JsonNode o = new ObjectMapper().readTree(r.out());
        List<String> keys = new ArrayList<>();
        o.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("parameters", "trainable_parameters", "bytes", "device_memory", "fits"), keys);
        List<String> bytes = new ArrayList<>();
        o.get("bytes").fieldNames().forEachRemaining(bytes::add);
        assertEquals(List.of("weights", "gradients", "optimizer", "activations", "logits", "overhead", "total"),
                bytes);
        assertEquals(8_030_261_248L, o.get("parameters").asLong());
        assertEquals(80L << 30, o.get("device_memory").asLong());
        assertTrue(o.get("fits").asBoolean());
        long sum = 0;
        for (String k : bytes.subList(0, bytes.size() - 1)) {
            sum += o.get("bytes").get(k).asLong();
        }
        // with activation checkpointing the loss chunk and the recomputed layer do not coexist: total <= sum
        assertTrue(o.get("bytes").get("total").asLong() <= sum);
        assertTrue(o.get("bytes").get("total").asLong() >= sum - o.get("bytes").get("logits").asLong());
    }

    @Test
    void whenItDoesNotFitItNamesTheKeysThatWould() {
        CliRun r = CliRun.of("plan", EXAMPLES.resolve("plain.yaml").toString(), "--device-memory", "80");
        assertEquals(1, r.exitCode(), r.stderr());
        String out = r.out();
        assertTrue(out.contains("fits: NO"), out);
        assertTrue(out.contains("would fit with:"), out);
        assertTrue(out.contains("activation_checkpointing: true, master_weights: bf16, optimizer_in_backward: true"),
                out);
        assertTrue(out.contains("8,030,261,248 parameters"), out);
    }

    @Test
    void loraBudgets() {
        assertEquals(0, CliRun.of("plan", EXAMPLES.resolve("lora.yaml").toString(), "--device-memory", "24")
                .exitCode());
        assertEquals(0, CliRun.of("plan", EXAMPLES.resolve("lora-int8.yaml").toString(), "--device-memory", "16")
                .exitCode());
    }

    @Test
    void trainRefusesARunThatCannotFitUnlessForced(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("big.yaml");
        Files.writeString(cfg, "model: " + EXAMPLES.resolve("llama-3.1-8b").toAbsolutePath() + "\n"
                + "train_data_path: " + dir.resolve("train.jsonl") + "\n"
                + "context_length: 131072\nmicro_batch_size: 64\ndevice: cpu\nexperiment_path: " + dir + "\n");
        CliRun r = CliRun.of("train", cfg.toString());
        assertEquals(1, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("fits: NO"), r.stderr());
        assertTrue(r.stderr().contains("--force"), r.stderr());
        assertFalse(Files.exists(dir.resolve("runs")));
    }

    /** One rank of a job: ZeRO-1 divides the optimizer state by the world size; plain data parallelism does not. */
    @Test
    void perRankOfADataParallelJob() throws Exception {
        String cfg = EXAMPLES.resolve("plain.yaml").toString();
        CliRun zero = CliRun.of("plan", cfg, "--device-memory", "80", "--json", "--nproc-per-node", "4", "--nnodes",
                "2", "--set", "fsdp.sharding=optimizer");
        JsonNode o = new ObjectMapper().readTree(zero.out());
        JsonNode rank = o.get("per_rank");
        assertEquals(8, rank.get("world_size").asInt(), zero.out());
        assertTrue(rank.get("sharded_optimizer").asBoolean());
        long optimizer = o.get("bytes").get("optimizer").asLong();
        assertEquals((optimizer + 7) / 8, rank.get("optimizer").asLong());
        assertTrue(rank.get("communication").asLong() >= o.get("bytes").get("gradients").asLong());

        CliRun ddp = CliRun.of("plan", cfg, "--device-memory", "170", "--nproc-per-node", "8");
        assertEquals(1, ddp.exitCode(), ddp.stderr());
        assertTrue(ddp.out().contains("per rank of 8"), ddp.out());
        assertTrue(ddp.out().contains("fsdp: {sharding: optimizer}"), ddp.out());
        assertFalse(ddp.out().contains("optimizer_in_backward: true"), "refused in distributed jobs: " + ddp.out());
    }
}
