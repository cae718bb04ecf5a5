package io.acrproxy.policy.servicetag;

import java.util.List;

/** A config names service tags that the file does not contain (design §6.4: a load error). */
public class UnknownServiceTagsException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final List<String> missing;

    public UnknownServiceTagsException(String message, List<String> missing) {
        super(message);
        this.missing = List.copyOf(missing);
    }

    public List<String> missing() {
        return missing;
    }
}
