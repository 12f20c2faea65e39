package dev.finetune4j.distributed;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts this node's ranks as child processes the way torchrun does, and supervises them: when one rank fails the
 * others are stopped (SIGTERM, then SIGKILL after a grace period) and the launcher fails naming the rank; a signal
 * to the launcher is passed on to every rank (docs/distributed.md).
 */
public final class Launcher {
    /** One rank to start: its command line and its environment additions. */
    public record RankCommand(int rank, int localRank, List<String> command, Map<String, String> env) {
    }

    private final PrintStream err;
    private final Duration grace;

    public Launcher(PrintStream err, Duration grace) {
        this.err = err;
        this.grace = grace;
    }

    /**
     * Runs the ranks to completion.
     *
     * @return 0 when every rank exited 0; else the failed rank's status (1 when that was 0 or a signal)
     */
    public int run(List<RankCommand> ranks) throws IOException, InterruptedException {
        List<Process> procs = new ArrayList<>();
        Thread forward = new Thread(() -> stopAll(procs, "the launcher was signalled"), "finetune4j-launcher-stop");
        Runtime.getRuntime().addShutdownHook(forward);
        try {
            for (RankCommand r : ranks) {
                ProcessBuilder pb = new ProcessBuilder(r.command()).inheritIO();
                pb.environment().putAll(r.env());
                synchronized (procs) {
                    procs.add(pb.start());
                }
            }
            while (true) {
                boolean allDone = true;
                for (int i = 0; i < procs.size(); i++) {
                    Process p = procs.get(i);
                    if (p.isAlive()) {
                        allDone = false;
                        continue;
                    }
                    int status = p.exitValue();
                    if (status != 0) {
                        RankCommand r = ranks.get(i);
                        err.println("error: rank " + r.rank() + " (local rank " + r.localRank() + ", pid " + p.pid()
                                + ") exited with status " + status + "; stopping the other ranks");
                        stopAll(procs, null);
                        return status > 0 && status < 128 ? status : 1;
                    }
                }
                if (allDone) {
                    return 0;
                }
                Thread.sleep(200);
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(forward);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or ran: it stops the ranks
            }
        }
    }

    private void stopAll(List<Process> procs, String why) {
        List<Process> alive = new ArrayList<>();
        synchronized (procs) {
            for (Process p : procs) {
                if (p.isAlive()) {
                    alive.add(p);
                    p.destroy(); // SIGTERM: a rank saves a checkpoint and exits (or fails its collective)
                }
            }
        }
        if (why != null && !alive.isEmpty()) {
            err.println("stopping " + alive.size() + " rank(s): " + why);
        }
        long deadline = System.nanoTime() + grace.toNanos();
        for (Process p : alive) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !p.waitFor(left, java.util.concurrent.TimeUnit.NANOSECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
