package io.acrproxy.policy;

import java.util.List;

/** A {@link PolicySpec} that cannot be compiled; lists every problem found, one per line. */
public class PolicyCompileException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    public PolicyCompileException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
