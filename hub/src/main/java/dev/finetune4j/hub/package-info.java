/**
 * A Hugging Face Hub client on {@code java.net.http} and the huggingface_hub cache layout, so Python tools and
 * finetune4j share one cache. Entry point: {@link dev.finetune4j.hub.HubClient}; references are
 * {@link dev.finetune4j.hub.RepoRef} ({@code org/name[@revision]}) and {@link dev.finetune4j.hub.HfUri}
 * ({@code hf://datasets/org/name[@revision]/path}). Behaviour and layout: docs/hub.md.
 */
package dev.finetune4j.hub;
