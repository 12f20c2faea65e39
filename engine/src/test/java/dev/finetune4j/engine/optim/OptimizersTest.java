package dev.finetune4j.engine.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The optimizer registry: names, which take eps, and the refusal of unknown names. */
class OptimizersTest {

    @Test
    void namesAndEps() {
        assertEquals(List.of("decoupled_lionw", "adamw"), Optimizers.NAMES);
        assertTrue(Optimizers.isKnown("decoupled_adamw"), "Composer's class name is accepted for AdamW");
        assertTrue(Optimizers.takesEps("adamw"));
        assertFalse(Optimizers.takesEps("decoupled_lionw"));
        assertFalse(Optimizers.isKnown("sgd"));
        OptimizerException e = assertThrows(OptimizerException.class,
                () -> Optimizers.create("sgd", List.of(), 0.9, 0.99, 1e-8));
        assertEquals("optimizer 'sgd' is not supported; allowed: decoupled_lionw, adamw", e.getMessage());
    }
}
