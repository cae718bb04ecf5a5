package io.acrproxy.server.config;

import java.util.Objects;

/**
 * One problem with a config file.
 *
 * @param path    the key path, e.g. {@code registries[1].name}; empty for problems with the file as a whole
 *                (unreadable, YAML syntax)
 * @param message what is wrong, usually ending in {@code (expected: ...)}
 */
public record ConfigError(String path, String message) {
    public ConfigError {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
    }

    /** {@code path: message}, or the message alone when the path is empty. */
    @Override
    public String toString() {
        return path.isEmpty() ? message : path + ": " + message;
    }
}
