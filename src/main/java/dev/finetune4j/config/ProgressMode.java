package dev.finetune4j.config;

/** How training progress is shown on stdout. */
public enum ProgressMode {
    /** A one-line bar on a terminal, periodic log lines otherwise. */
    AUTO,
    /** Always the one-line bar. */
    BAR,
    /** Always periodic log lines. */
    LOG,
    /** Nothing (metrics still go to the sinks). */
    NONE
}
