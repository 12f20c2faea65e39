/**
 * Test support shared by the modules' tests: {@link dev.finetune4j.testkit.Conformance} finds the external
 * conformance suites (skip with one printed line when absent, fail under {@code CI=true}). Used at test scope only.
 */
package dev.finetune4j.testkit;
