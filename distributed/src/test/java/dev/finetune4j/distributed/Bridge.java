package dev.finetune4j.distributed;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Test helpers: skip (with one printed reason) where the bridge cannot be built, and free loopback ports. */
final class Bridge {
    private Bridge() {
    }

    static void assumeBuildable() {
        boolean ok = C10d.bridgeAvailable();
        if (!ok) {
            System.out.println("SKIP distributed tests: no g++ (or $CXX) to build the c10d bridge");
        }
        assumeTrue(ok, "no g++ (or $CXX) to build the c10d bridge");
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
