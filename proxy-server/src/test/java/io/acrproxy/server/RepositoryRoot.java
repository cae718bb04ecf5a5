package io.acrproxy.server;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository root from a test's working directory (Maven runs tests in the module directory). */
public final class RepositoryRoot {
    private RepositoryRoot() {
    }

    /** The first directory up from the working directory that holds the example config. */
    public static Path find() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("config/acr-egress-proxy.yaml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("config/acr-egress-proxy.yaml not found above " + Path.of("").toAbsolutePath());
    }
}
