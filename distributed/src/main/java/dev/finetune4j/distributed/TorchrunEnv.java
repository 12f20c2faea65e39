package dev.finetune4j.distributed;

import java.util.Map;
import java.util.Optional;

/**
 * A rank's place in a job as torchrun (and Slurm/Kubernetes PyTorchJob launchers) describe it in the environment:
 * {@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK}, {@code LOCAL_WORLD_SIZE}, {@code MASTER_ADDR},
 * {@code MASTER_PORT} (docs/distributed.md).
 */
public record TorchrunEnv(int rank, int worldSize, int localRank, int localWorldSize, String masterAddr,
                          int masterPort) {
    /** torchrun's default rendezvous port. */
    public static final int DEFAULT_PORT = 29500;

    public TorchrunEnv {
        if (worldSize < 1) {
            throw new C10dException("WORLD_SIZE must be at least 1, got " + worldSize);
        }
        if (rank < 0 || rank >= worldSize) {
            throw new C10dException("RANK must be in [0, WORLD_SIZE=" + worldSize + "), got " + rank);
        }
        if (localWorldSize < 1 || localWorldSize > worldSize) {
            throw new C10dException("LOCAL_WORLD_SIZE must be in [1, WORLD_SIZE=" + worldSize + "], got "
                    + localWorldSize);
        }
        if (localRank < 0 || localRank >= localWorldSize) {
            throw new C10dException("LOCAL_RANK must be in [0, LOCAL_WORLD_SIZE=" + localWorldSize + "), got "
                    + localRank);
        }
        if (masterPort < 1 || masterPort > 65535) {
            throw new C10dException("MASTER_PORT must be a TCP port (1..65535), got " + masterPort);
        }
    }

    /**
     * The job described by {@code env}, or empty when {@code WORLD_SIZE} is unset (a plain one-process run).
     *
     * @throws C10dException naming the variable when one is missing or malformed
     */
    public static Optional<TorchrunEnv> from(Map<String, String> env) {
        String ws = env.get("WORLD_SIZE");
        if (ws == null || ws.isBlank()) {
            return Optional.empty();
        }
        int world = integer(env, "WORLD_SIZE", null);
        int rank = integer(env, "RANK", null);
        int localWorld = integer(env, "LOCAL_WORLD_SIZE", world);
        int localRank = integer(env, "LOCAL_RANK", rank);
        String addr = env.get("MASTER_ADDR");
        if (world > 1 && (addr == null || addr.isBlank())) {
            throw new C10dException("MASTER_ADDR is not set: a job of WORLD_SIZE=" + world + " needs the address of "
                    + "the rank-0 host");
        }
        return Optional.of(new TorchrunEnv(rank, world, localRank, localWorld, addr == null ? "127.0.0.1"
                : addr.trim(), integer(env, "MASTER_PORT", DEFAULT_PORT)));
    }

    public boolean isMain() {
        return rank == 0;
    }

    /**
     * This rank's device (docs/distributed.md): {@code auto} is {@code cuda:LOCAL_RANK} when GPUs are visible, else
     * the CPU; {@code cuda} (or {@code gpu}) is {@code cuda:LOCAL_RANK}; {@code cpu} and an explicit {@code cuda:N}
     * stay as configured.
     *
     * @param configured the configuration's {@code device}
     * @param gpuCount   GPUs this process sees
     */
    public String deviceSpec(String configured, int gpuCount) {
        String s = configured == null ? "auto" : configured.trim().toLowerCase(java.util.Locale.ROOT);
        boolean anyGpu = s.equals("cuda") || s.equals("gpu") || (s.equals("auto") && gpuCount > 0);
        if (!anyGpu) {
            return s.equals("auto") ? "cpu" : s;
        }
        if (gpuCount > 0 && localRank >= gpuCount) {
            throw new C10dException("LOCAL_RANK " + localRank + " would train on cuda:" + localRank + ", but this node "
                    + "has " + gpuCount + " visible GPU(s): start at most " + gpuCount + " ranks per node "
                    + "(--nproc-per-node)");
        }
        return "cuda:" + localRank;
    }

    /** The environment a child rank gets (what torchrun sets). */
    public Map<String, String> toEnv() {
        return Map.of("RANK", Integer.toString(rank), "WORLD_SIZE", Integer.toString(worldSize), "LOCAL_RANK",
                Integer.toString(localRank), "LOCAL_WORLD_SIZE", Integer.toString(localWorldSize), "MASTER_ADDR",
                masterAddr, "MASTER_PORT", Integer.toString(masterPort));
    }

    private static int integer(Map<String, String> env, String name, Integer def) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            if (def != null) {
                return def;
            }
            throw new C10dException(name + " is not set, but WORLD_SIZE is: a distributed rank needs RANK, "
                    + "WORLD_SIZE, MASTER_ADDR and MASTER_PORT (as torchrun sets them)");
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new C10dException(name + " must be an integer, got '" + v + "'");
        }
    }
}
