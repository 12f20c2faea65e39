package dev.finetune4j.tokenizer.jinja;

import java.util.LinkedHashMap;
import java.util.Map;

/** Jinja's {@code namespace()}: the one object whose attributes {@code {% set ns.x = … %}} may assign. */
final class Namespace {
    final Map<String, Object> attributes = new LinkedHashMap<>();
}
