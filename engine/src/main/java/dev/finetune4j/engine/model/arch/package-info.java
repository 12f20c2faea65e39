/**
 * Model families as data (docs/models.md): one {@link dev.finetune4j.engine.model.arch.ArchSpec} per family, chosen
 * from config.json by {@link dev.finetune4j.engine.model.arch.ModelFamilies}; a per-family
 * {@link dev.finetune4j.engine.model.arch.NameTable} that builds Hugging Face parameter names from structural
 * positions; and the {@link dev.finetune4j.engine.model.arch.ParameterRegistry} built once per model that loading,
 * state dicts, LoRA, PEFT names, exports, parameter counts and memory plans iterate. Pure data: nothing here holds an
 * array.
 */
package dev.finetune4j.engine.model.arch;
