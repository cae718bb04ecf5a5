package io.acrproxy.server.config;

import java.util.ArrayList;
import java.util.List;

/** Collects errors and warnings while a config is read, so that one pass reports all of them. */
final class Problems {
    private final List<ConfigError> errors = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    void error(KeyPath path, String message) {
        errors.add(new ConfigError(path.text(), message));
    }

    void warn(KeyPath path, String message) {
        warnings.add(new ConfigError(path.text(), message).toString());
    }

    boolean hasErrors() {
        return !errors.isEmpty();
    }

    /** True when something at or below {@code path} was already reported: later checks must not pile on. */
    boolean hasErrorsWithin(KeyPath path) {
        for (ConfigError e : errors) {
            if (new KeyPath(e.path()).isWithin(path)) {
                return true;
            }
        }
        return false;
    }

    List<ConfigError> errors() {
        return List.copyOf(errors);
    }

    List<String> warnings() {
        return List.copyOf(warnings);
    }

    void throwIfErrors() throws ConfigException {
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
    }
}
