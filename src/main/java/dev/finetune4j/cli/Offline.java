package dev.finetune4j.cli;

/** Keeps DJL off the network: no engine downloads, no tracking, no EC2 metadata probe. */
public final class Offline {
    private Offline() {
    }

    public static void enforce() {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
    }
}
