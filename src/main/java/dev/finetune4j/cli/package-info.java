/**
 * The {@code finetune4j} command line: one picocli sub-command per job, all thin wrappers over the library API.
 * Errors print one line that says what to change; usage errors exit 2.
 */
package dev.finetune4j.cli;
