package dev.finetune4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** Reads the version Maven filtered into finetune4j-version.properties. */
final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
        Properties p = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream("/finetune4j-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        }
        return new String[] {"finetune4j " + p.getProperty("version", "unknown")
                + " (DJL " + p.getProperty("djl", "?") + ", libtorch " + p.getProperty("libtorch", "?") + ")"};
    }
}
