package io.acrproxy.server.config;

import com.fasterxml.jackson.core.JsonStreamContext;
import io.acrproxy.policy.host.HostName;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Pattern;

/**
 * Where a value sits in the config, written as in the error messages: {@code registries[1].name}. Keys that
 * are not plain identifiers (host names under {@code resolver.hosts}, typos with spaces) are bracketed and
 * quoted: {@code resolver.hosts["registry.local"]}.
 */
record KeyPath(String text) {
    static final KeyPath ROOT = new KeyPath("");

    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");

    KeyPath key(String name) {
        if (!PLAIN_KEY.matcher(name).matches()) {
            return new KeyPath(text + '[' + HostName.quote(name) + ']');
        }
        return new KeyPath(text.isEmpty() ? name : text + '.' + name);
    }

    KeyPath index(int i) {
        return new KeyPath(text + '[' + i + ']');
    }

    /** True when this path is {@code other} or lies below it. */
    boolean isWithin(KeyPath other) {
        if (other.text.isEmpty() || text.equals(other.text)) {
            return true;
        }
        return text.startsWith(other.text)
                && (text.charAt(other.text.length()) == '.' || text.charAt(other.text.length()) == '[');
    }

    /** The path of the value a streaming parser is at, e.g. when it reports a duplicate key. */
    static KeyPath of(JsonStreamContext context) {
        Deque<JsonStreamContext> chain = new ArrayDeque<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            chain.push(c);
        }
        KeyPath path = ROOT;
        for (JsonStreamContext c : chain) {
            if (c.inArray()) {
                path = path.index(Math.max(c.getCurrentIndex(), 0));
            } else if (c.getCurrentName() != null) {
                path = path.key(c.getCurrentName());
            }
        }
        return path;
    }

    @Override
    public String toString() {
        return text;
    }
}
