/**
 * Reading training data: JSONL/JSON files and .txt folders streamed sample by sample, parsed per task type
 * (chat, Bedrock Converse, prompt/response, plain text) and checked against the validation rules. Every problem
 * carries its file and line, so reports read {@code file:line: reason}.
 */
package dev.finetune4j.data.source;
