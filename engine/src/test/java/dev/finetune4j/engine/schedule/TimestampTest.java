package dev.finetune4j.engine.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.checkpoint.CheckpointFormatException;
import dev.finetune4j.checkpoint.composer.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TimestampTest {

    @Test
    void toNextBatchAdvancesCountersAndWallClock() {
        Timestamp t = Timestamp.ZERO.toNextBatch(4, 100, Duration.ofMillis(250))
                .toNextBatch(3, 90, Duration.ofMillis(500));
        assertEquals(2, t.batch());
        assertEquals(2, t.batchInEpoch());
        assertEquals(7, t.sample());
        assertEquals(7, t.sampleInEpoch());
        assertEquals(190, t.token());
        assertEquals(190, t.tokenInEpoch());
        assertEquals(190, t.tokenInIteration());
        assertEquals(Duration.ofMillis(750), t.totalWct());
        assertEquals(Duration.ofMillis(750), t.iterationWct());
        assertEquals(Duration.ofMillis(750), t.epochWct());
        assertEquals(Duration.ofMillis(500), t.batchWct());
        assertEquals(0, t.epoch());
    }

    @Test
    void toNextEpochResetsPerEpochCounters() {
        Timestamp t = Timestamp.ZERO.toNextBatch(4, 100, Duration.ofSeconds(2)).toNextEpoch(Duration.ofSeconds(1));
        assertEquals(1, t.epoch());
        assertEquals(1, t.epochInIteration());
        assertEquals(1, t.batch());
        assertEquals(4, t.sample());
        assertEquals(100, t.token());
        assertEquals(100, t.tokenInIteration());
        assertEquals(0, t.batchInEpoch());
        assertEquals(0, t.sampleInEpoch());
        assertEquals(0, t.tokenInEpoch());
        assertEquals(Duration.ofSeconds(3), t.totalWct());
        assertEquals(Duration.ofSeconds(3), t.iterationWct());
        assertEquals(Duration.ZERO, t.epochWct());
        assertEquals(Duration.ZERO, t.batchWct());
    }

    @Test
    void getReadsEachUnit() {
        Timestamp t = Timestamp.ZERO.toNextBatch(4, 100, Duration.ofMillis(2900)).toNextEpoch();
        assertEquals(1, TimeUnit.EPOCH.count(t));
        assertEquals(1, TimeUnit.BATCH.count(t));
        assertEquals(4, TimeUnit.SAMPLE.count(t));
        assertEquals(100, TimeUnit.TOKEN.count(t));
        assertEquals(0, TimeUnit.ITERATION.count(t));
        assertEquals(2, TimeUnit.SECOND.count(t)); // int(total_seconds()) truncates
        assertThrows(ScheduleException.class, () -> TimeUnit.DURATION.count(t));
    }

    @Test
    void stateDictHasComposerKeysInOrderAndRoundTrips() {
        Timestamp t = Timestamp.ZERO.toNextBatch(4, 100, Duration.ofMillis(7)).toNextEpoch()
                .toNextBatch(1, 9, Duration.ofMillis(3));
        Map<String, Object> sd = t.toStateDict();
        assertEquals(List.of("iteration", "epoch", "batch", "sample", "token", "epoch_in_iteration",
                "token_in_iteration", "batch_in_epoch", "sample_in_epoch", "token_in_epoch", "total_wct",
                "iteration_wct", "epoch_wct", "batch_wct"), List.copyOf(sd.keySet()));
        assertEquals(t, Timestamp.fromStateDict(sd, "test"));
    }

    @Test
    void oldStateDictsWithoutIterationKeysLoad() {
        Map<String, Object> sd = Map.of("epoch", 1, "batch", 10, "sample", 40, "token", 400, "batch_in_epoch", 3,
                "sample_in_epoch", 12, "token_in_epoch", 120);
        Timestamp t = Timestamp.fromStateDict(sd, "test");
        assertEquals(10, t.batch());
        assertEquals(0, t.iteration());
        assertEquals(Duration.ZERO, t.totalWct());
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> Timestamp.fromStateDict(Map.of("epoch", 1), "test"));
        assertTrue(e.getMessage().contains("lacks the required key 'batch'"), e.getMessage());
    }
}
