package io.acrproxy.server.cli;

import java.nio.file.Path;

/** Loads a configuration file and everything it references into a compiled policy. */
@FunctionalInterface
public interface PolicyLoader {
    EffectivePolicy load(Path configFile) throws PolicyLoadException;
}
