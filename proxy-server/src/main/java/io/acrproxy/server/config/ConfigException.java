package io.acrproxy.server.config;

import java.util.List;
import java.util.stream.Collectors;

/** A config file (or a source it names) cannot be used. Holds every problem found, in one pass. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient List<ConfigError> errors;

    public ConfigException(List<ConfigError> errors) {
        super(errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n")));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    /** The problems, in the order they were found: file and syntax, then keys and types, then values, then sources. */
    public List<ConfigError> errors() {
        return errors;
    }
}
