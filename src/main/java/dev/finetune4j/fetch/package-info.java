/**
 * Turns Hugging Face Hub references in a run configuration and on the command line into local paths in the shared
 * cache, before data and engine see them (they only ever read local files). See docs/hub.md.
 */
package dev.finetune4j.fetch;
