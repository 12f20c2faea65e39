package dev.finetune4j.checkpoint.torch;

import dev.finetune4j.checkpoint.DType;
import java.nio.ByteBuffer;

/** A storage loaded through a persistent id: its record key, class, dtype (null if untyped), element count and bytes. */
record StorageRef(String key, String storageClass, DType dtype, long numel, ByteBuffer bytes) {
}
