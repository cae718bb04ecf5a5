package io.acrproxy.server.cli;

import java.util.List;

/** A configuration that cannot be loaded; every problem is listed, one per entry, with its key path. */
public class PolicyLoadException extends Exception {
    private static final long serialVersionUID = 1L;
    private final List<String> errors;

    public PolicyLoadException(List<String> errors) {
        super(String.join("\n", errors));
        this.errors = List.copyOf(errors);
    }

    public List<String> errors() {
        return errors;
    }
}
