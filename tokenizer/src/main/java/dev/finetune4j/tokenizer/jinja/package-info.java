/**
 * A small Jinja2 interpreter for the subset Hugging Face chat templates use: a lexer with Jinja2's exact whitespace
 * rules, a recursive-descent parser with Jinja2's precedence, and a tree-walking evaluator over a Python-like value
 * model (distinct None and Undefined, Python truthiness, equality and repr). Data passed in as variables is never
 * evaluated as template code.
 */
package dev.finetune4j.tokenizer.jinja;
