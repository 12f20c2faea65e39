package dev.finetune4j.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainingListenerAdapterTest {

    @Test
    void engineEventsAndMetricsArriveAsRunEventsAndMetrics() {
        List<RunEvent> events = new ArrayList<>();
        List<Metrics> metrics = new ArrayList<>();
        TrainingListenerAdapter a = new TrainingListenerAdapter(new RunListener() {
            @Override
            public void onEvent(RunEvent event) {
                events.add(event);
            }

            @Override
            public void onMetrics(Metrics m) {
                metrics.add(m);
            }
        });
        a.onEvent("training_started", Map.of());
        a.onMetrics(7, Map.of("loss", 1.5));
        a.onEvent("checkpoint_saved", Map.of("path", "x.pt"));
        a.onEvent("eval", Map.of("batch", 9, "val_loss", 1.25));
        assertEquals(List.of(EventType.TRAINING_STARTED, EventType.CHECKPOINT_SAVED, EventType.EVAL),
                events.stream().map(RunEvent::type).toList());
        assertEquals(0, events.get(0).step());
        assertEquals(7, events.get(1).step());
        assertEquals(Map.of("path", "x.pt"), events.get(1).fields());
        assertEquals(9, events.get(2).step());
        assertEquals(Map.of("val_loss", 1.25), events.get(2).fields());
        assertEquals(7, metrics.get(0).step());
        assertEquals(1.5, metrics.get(0).get(Metrics.LOSS));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.onEvent("paused", Map.of()));
        assertEquals("Unknown run event type 'paused'; allowed: created, data_validated, training_started,"
                + " checkpoint_saved, eval, samples, completed, failed", e.getMessage());
    }
}
