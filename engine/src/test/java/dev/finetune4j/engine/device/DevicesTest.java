package dev.finetune4j.engine.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.junit.jupiter.api.Test;

class DevicesTest {

    @Test
    void resolvesCpuAndAuto() {
        assertEquals(Device.cpu(), Devices.resolve("cpu"));
        assertEquals(Device.cpu(), Devices.resolve(" CPU "));
        Device auto = Devices.resolve("auto");
        assertEquals(Engine.getEngine("PyTorch").getGpuCount() > 0 ? Device.gpu(0) : Device.cpu(), auto);
    }

    @Test
    void rejectsUnknownSpellingsAndMissingCuda() {
        DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class, () -> Devices.resolve("tpu"));
        assertTrue(e.getMessage().contains("auto, cpu, cuda, cuda:N"), e.getMessage());
        if (Engine.getEngine("PyTorch").getGpuCount() == 0) {
            DeviceUnavailableException c = assertThrows(DeviceUnavailableException.class,
                    () -> Devices.resolve("cuda:1"));
            assertTrue(c.getMessage().contains("no GPU"), c.getMessage());
        }
        assertThrows(DeviceUnavailableException.class, () -> Devices.resolve("cuda:x"));
    }
}
