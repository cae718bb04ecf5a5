package io.acrproxy.server.admin;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A decoded query string: each name once, or its values in order when repeated. */
record Query(Map<String, List<String>> values) {

    static Query parse(String raw) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (raw != null && !raw.isEmpty()) {
            for (String pair : raw.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            }
        }
        return new Query(out);
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new BadQueryException("malformed percent-escape in the query string");
        }
    }

    /** The single value of {@code name}, or {@code null}; a repeated name is an error. */
    String single(String name) {
        List<String> v = values.get(name);
        if (v == null) {
            return null;
        }
        if (v.size() > 1) {
            throw new BadQueryException(name + " is given " + v.size() + " times (expected once)");
        }
        return v.get(0);
    }

    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    /** An integer parameter within bounds, or the default when absent. */
    int integer(String name, int min, int max, int fallback) {
        String v = single(name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new BadQueryException(name + "=" + v + " is out of range (expected " + min + "-" + max + ")");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new BadQueryException(name + "=" + v + " is not a number (expected " + min + "-" + max + ")");
        }
    }

    /** Bad input in a query: answered with {@code 400} and this message. */
    static final class BadQueryException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        BadQueryException(String message) {
            super(message);
        }
    }
}
