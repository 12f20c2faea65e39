package dev.finetune4j.checkpoint.torch;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything a torch.save file holds, as read: the container kind ("zip" or "legacy"), the zip archive prefix and
 * record names (empty for legacy), the small text records ({@code version}, {@code byteorder}, …), the pickle
 * globals referenced, and the object with tensors as {@link TorchTensor} views (strides and shared storages
 * visible).
 */
public record TorchContents(String container, String archivePrefix, List<String> entries, Map<String, String> records,
                            Set<String> pickleGlobals, Object object) {
}
