package dev.finetune4j.engine.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.checkpoint.composer.Timestamp;
import dev.finetune4j.checkpoint.torch.TorchFile;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The LambdaLR and Timestamp state dicts, written with the checkpoint module's torch.save writer, load into a real
 * {@code torch.optim.lr_scheduler.LambdaLR} and come back with the same values (skipped without python3 + torch).
 */
class ScheduleStateTorchInteropTest {
    private static final String PY = "/usr/bin/python3";
    private static final String SCRIPT = String.join("\n",
            "import sys, torch",
            "ck = torch.load(sys.argv[1], weights_only=False)",
            "sd = ck['schedulers']['LambdaLR']",
            "ps = [torch.nn.Parameter(torch.zeros(1)) for _ in sd['base_lrs']]",
            "opt = torch.optim.SGD([{'params': [p], 'lr': lr} for p, lr in zip(ps, sd['base_lrs'])])",
            "s = torch.optim.lr_scheduler.LambdaLR(opt, lambda _: 1.0)",
            "s.load_state_dict(sd)",
            "ts = ck['timestamp']['Timestamp']",
            "print(' '.join(x.hex() for x in s.get_last_lr()), s.last_epoch, s._step_count, type(ts['total_wct']).__name__,",
            "      ts['total_wct'].total_seconds(), ts['batch_wct'].total_seconds(), ts['batch'], ts['token'],",
            "      list(ts.keys()) == ['iteration', 'epoch', 'batch', 'sample', 'token', 'epoch_in_iteration',",
            "      'token_in_iteration', 'batch_in_epoch', 'sample_in_epoch', 'token_in_epoch', 'total_wct',",
            "      'iteration_wct', 'epoch_wct', 'batch_wct'])");

    @TempDir
    Path dir;

    @Test
    void lambdaLrAndTimestampStateLoadInTorch() throws Exception {
        boolean torch = new File(PY).canExecute() && new ProcessBuilder(PY, "-c", "import torch")
                .redirectErrorStream(true).start().waitFor() == 0;
        if (!torch) {
            System.out.println("SKIP lambdaLrAndTimestampStateLoadInTorch: " + PY + " with torch is not installed");
        }
        Assumptions.assumeTrue(torch, "python3 with torch not installed");

        ScheduleContext ctx = ScheduleContext.of(Time.parse("1ep"), 10);
        LrSchedule s = LrSchedule.start(LinearWithWarmup.of(Time.parse("4ba"), 0.0), ctx, Timestamp.ZERO, 1e-4,
                1.6e-3);
        Timestamp ts = Timestamp.ZERO;
        for (int i = 0; i < 3; i++) {
            s.step(ts);
            ts = ts.toNextBatch(2, 100, Duration.ofMillis(1500));
        }
        Map<String, Object> ck = new LinkedHashMap<>();
        ck.put("schedulers", Map.of("LambdaLR", s.stateDict()));
        ck.put("timestamp", Map.of("Timestamp", ts.toStateDict()));
        Path f = dir.resolve("ck.pt");
        TorchFile.write(f, ck);

        Process p = new ProcessBuilder(PY, "-c", SCRIPT, f.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        double[] lrs = s.lrs();
        // exact bits: Python's float.hex() and Java's Double.toHexString use the same notation
        assertEquals(Double.toHexString(lrs[0]) + " " + Double.toHexString(lrs[1]) + " 3 4 timedelta 4.5 1.5 3 300"
                + " True", out);
    }
}
