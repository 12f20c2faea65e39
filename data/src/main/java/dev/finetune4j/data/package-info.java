/**
 * The data path: example sources (chat, prompt/response, Bedrock Converse, plain text), validation with
 * file:line reasons, encoding with response-only labels, packing with per-document positions, and a resumable
 * loader. No DJL: batches leave as plain int arrays ({@link dev.finetune4j.data.Batch}).
 */
package dev.finetune4j.data;
