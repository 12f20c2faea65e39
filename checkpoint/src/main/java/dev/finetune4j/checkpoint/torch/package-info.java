/**
 * torch.save files (docs/formats.md §1): the zip container, a pickle reader restricted to an allow-list like
 * torch's {@code weights_only=True}, the legacy (pre-1.6) stream format, and a writer whose output
 * {@code torch.load(f, weights_only=True)} accepts. Python values map to Java as described in
 * {@link dev.finetune4j.checkpoint.torch.TorchFile}.
 */
package dev.finetune4j.checkpoint.torch;
