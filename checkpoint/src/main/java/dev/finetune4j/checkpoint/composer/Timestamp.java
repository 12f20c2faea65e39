package dev.finetune4j.checkpoint.composer;

import dev.finetune4j.checkpoint.CheckpointFormatException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Composer's {@code Timestamp} (reference-behaviours §2): training progress counters and wall-clock durations, in
 * the key order of {@code Timestamp.state_dict()}.
 */
public record Timestamp(long iteration, long epoch, long batch, long sample, long token, long epochInIteration,
                        long tokenInIteration, long batchInEpoch, long sampleInEpoch, long tokenInEpoch,
                        Duration totalWct, Duration iterationWct, Duration epochWct, Duration batchWct) {

    private static final String[] INT_KEYS = {"iteration", "epoch", "batch", "sample", "token", "epoch_in_iteration",
        "token_in_iteration", "batch_in_epoch", "sample_in_epoch", "token_in_epoch"};
    private static final String[] WCT_KEYS = {"total_wct", "iteration_wct", "epoch_wct", "batch_wct"};

    public Timestamp {
        totalWct = totalWct == null ? Duration.ZERO : totalWct;
        iterationWct = iterationWct == null ? Duration.ZERO : iterationWct;
        epochWct = epochWct == null ? Duration.ZERO : epochWct;
        batchWct = batchWct == null ? Duration.ZERO : batchWct;
    }

    /** The start of training. */
    public static Timestamp zero() {
        return new Timestamp(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);
    }

    /** After one batch of {@code samples} rows and {@code tokens} tokens that took {@code duration}. */
    public Timestamp toNextBatch(long samples, long tokens, Duration duration) {
        return new Timestamp(iteration, epoch, batch + 1, sample + samples, token + tokens, epochInIteration,
                tokenInIteration + tokens, batchInEpoch + 1, sampleInEpoch + samples, tokenInEpoch + tokens,
                totalWct.plus(duration), iterationWct.plus(duration), epochWct.plus(duration), duration);
    }

    /** At the start of the next epoch ({@code *_in_epoch} and {@code epoch_wct} reset). */
    public Timestamp toNextEpoch() {
        return new Timestamp(iteration, epoch + 1, batch, sample, token, epochInIteration + 1, tokenInIteration, 0, 0,
                0, totalWct, iterationWct, Duration.ZERO, batchWct);
    }

    /** {@code Timestamp.state_dict()}: ten ints then four timedeltas. */
    public Map<String, Object> toStateDict() {
        long[] ints = {iteration, epoch, batch, sample, token, epochInIteration, tokenInIteration, batchInEpoch,
            sampleInEpoch, tokenInEpoch};
        Duration[] wct = {totalWct, iterationWct, epochWct, batchWct};
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < INT_KEYS.length; i++) {
            m.put(INT_KEYS[i], ints[i]);
        }
        for (int i = 0; i < WCT_KEYS.length; i++) {
            m.put(WCT_KEYS[i], wct[i]);
        }
        return m;
    }

    /** Parses a {@code Timestamp.state_dict()}; missing keys default to 0 as in old Composer versions. */
    public static Timestamp fromStateDict(Map<?, ?> m, String source) {
        long[] v = new long[INT_KEYS.length];
        for (int i = 0; i < INT_KEYS.length; i++) {
            Object o = m.get(INT_KEYS[i]);
            if (o == null) {
                continue;
            }
            if (!(o instanceof Long l)) {
                throw CheckpointFormatException.of(source, "state.timestamp.Timestamp." + INT_KEYS[i]
                        + " is not an int but " + o);
            }
            if (l < 0) {
                throw CheckpointFormatException.of(source, "state.timestamp.Timestamp." + INT_KEYS[i] + " is " + l
                        + "; training counters are never negative");
            }
            v[i] = l;
        }
        Duration[] d = new Duration[WCT_KEYS.length];
        for (int i = 0; i < WCT_KEYS.length; i++) {
            Object o = m.get(WCT_KEYS[i]);
            if (o != null && !(o instanceof Duration)) {
                throw CheckpointFormatException.of(source, "state.timestamp.Timestamp." + WCT_KEYS[i]
                        + " is not a timedelta but " + o);
            }
            d[i] = (Duration) o;
        }
        return new Timestamp(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], d[0], d[1], d[2], d[3]);
    }
}
