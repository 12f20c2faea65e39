package dev.finetune4j.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Switches the console log between the concise default and debug output. */
final class Logging {
    private Logging() {
    }

    static void verbose() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.DEBUG);
        ((Logger) LoggerFactory.getLogger("dev.finetune4j")).setLevel(Level.DEBUG);
    }
}
