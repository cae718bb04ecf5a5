package io.acrproxy.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.acrproxy.policy.host.HostName;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Binds a YAML tree to the {@link WireConfig} records by walking it against their components, reporting
 * every unknown key and wrong type with its path and carrying on.
 *
 * <p>Why not Jackson data binding with a {@code DeserializationProblemHandler}: tried first, it aborts on
 * the first int overflow ({@code port: 99999999999}), float for an integer ({@code port: 3.5}) and empty string
 * for a map ({@code listen: ''}) instead of calling the handler, and it silently coerces {@code 1} and
 * {@code "true"} to booleans. Walking the tree is short and reports all of these.
 *
 * <p>Supported component types: records, {@code String}, {@code Integer}, {@code Boolean}, {@code JsonNode}
 * (passed through), {@code List<T>} and {@code Map<String, T>}.
 */
final class WireBinder {
    private final Problems problems;

    WireBinder(Problems problems) {
        this.problems = problems;
    }

    /** Binds the document; an empty document (or one that could not be bound) yields all keys absent. */
    <T extends Record> T bindRoot(JsonNode root, Class<T> type) {
        Object bound = root == null || root.isMissingNode() || root.isNull() ? null : bind(root, type, KeyPath.ROOT);
        return type.cast(bound != null ? bound : construct(type, new Object[type.getRecordComponents().length]));
    }

    private Object bind(JsonNode node, Type type, KeyPath path) {
        if (node.isNull() || node.isMissingNode()) {
            return null; // an explicit null means "use the default", like an absent key
        }
        if (type == JsonNode.class) {
            return node;
        }
        if (type == String.class) {
            // Numbers are accepted as text so that `name: 12345` or `inspectTimeout: 10` reach the value
            // checks, which say more than "wrong type". Booleans are not: YAML reads on/off/yes/no as booleans.
            if (node.isBoolean()) {
                problems.error(path, "got " + node.asText() + " (expected: a string; YAML reads unquoted on, off, yes and no as booleans)");
                return null;
            }
            return node.isTextual() || node.isNumber() ? node.asText() : wrongType(node, type, path);
        }
        if (type == Integer.class) {
            return bindInteger(node, path);
        }
        if (type == Boolean.class) {
            return node.isBoolean() ? node.booleanValue() : wrongType(node, type, path);
        }
        if (type instanceof ParameterizedType p && p.getRawType() == List.class) {
            return node.isArray() ? bindList(node, p.getActualTypeArguments()[0], path) : wrongType(node, type, path);
        }
        if (type instanceof ParameterizedType p && p.getRawType() == Map.class) {
            return node.isObject() ? bindMap(node, p.getActualTypeArguments()[1], path) : wrongType(node, type, path);
        }
        if (type instanceof Class<?> c && c.isRecord()) {
            return node.isObject() ? bindRecord(node, c, path) : wrongType(node, type, path);
        }
        throw new IllegalStateException("unsupported wire type " + type + " at " + path);
    }

    private Object bindInteger(JsonNode node, KeyPath path) {
        if (!node.isIntegralNumber()) {
            return wrongType(node, Integer.class, path);
        }
        if (!node.canConvertToInt()) {
            problems.error(path, node.asText() + " is out of range (expected: an integer from "
                    + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE + ")");
            return null;
        }
        return node.intValue();
    }

    /** Elements keep their positions (a bad one becomes {@code null}) so later messages name the right index. */
    private List<Object> bindList(JsonNode node, Type elementType, KeyPath path) {
        List<Object> out = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            out.add(bindElement(node.get(i), elementType, path.index(i)));
        }
        return Collections.unmodifiableList(out);
    }

    private Map<String, Object> bindMap(JsonNode node, Type valueType, KeyPath path) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            out.put(e.getKey(), bindElement(e.getValue(), valueType, path.key(e.getKey())));
        }
        return Collections.unmodifiableMap(out);
    }

    private Object bindElement(JsonNode node, Type type, KeyPath path) {
        if (type == JsonNode.class) {
            return node; // the validator of a two-shaped value says what it expected, null included
        }
        if (node.isNull()) {
            problems.error(path, "got null (expected: " + expected(type) + ")");
            return null;
        }
        return bind(node, type, path);
    }

    private Object bindRecord(JsonNode node, Class<?> type, KeyPath path) {
        RecordComponent[] components = type.getRecordComponents();
        Object[] args = new Object[components.length];
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            int i = indexOf(components, e.getKey());
            KeyPath at = path.key(e.getKey());
            if (i < 0) {
                problems.error(at, "unknown key" + suggestion(e.getKey(), components)
                        + " (expected: one of " + keyList(components) + ")");
            } else {
                args[i] = bind(e.getValue(), components[i].getGenericType(), at);
            }
        }
        return construct(type, args);
    }

    private static Object construct(Class<?> type, Object[] args) {
        Class<?>[] types = Arrays.stream(type.getRecordComponents()).map(RecordComponent::getType).toArray(Class<?>[]::new);
        try {
            Constructor<?> canonical = type.getDeclaredConstructor(types);
            canonical.setAccessible(true);
            return canonical.newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct wire record " + type.getName(), e);
        }
    }

    private Object wrongType(JsonNode node, Type type, KeyPath path) {
        if (path.text().isEmpty()) {
            problems.error(path, "the file holds " + describe(node)
                    + " (expected: a map of settings, e.g. registries: [{name: myregistry}])");
        } else {
            problems.error(path, "got " + describe(node) + " (expected: " + expected(type) + ")");
        }
        return null;
    }

    /** How a value reads in a message: {@code "abc"}, {@code 3.5}, {@code a map}. */
    static String describe(JsonNode node) {
        if (node.isObject()) {
            return "a map";
        }
        if (node.isArray()) {
            return "a list";
        }
        if (node.isTextual()) {
            return HostName.quote(node.textValue());
        }
        if (node.isNumber() || node.isBoolean() || node.isNull()) {
            return node.asText();
        }
        return "a " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " value";
    }

    static String expected(Type type) {
        if (type == String.class) {
            return "a string";
        }
        if (type == Integer.class) {
            return "an integer";
        }
        if (type == Boolean.class) {
            return "true or false";
        }
        if (type instanceof ParameterizedType p && p.getRawType() == List.class) {
            return "a list";
        }
        if (type instanceof ParameterizedType p && p.getRawType() == Map.class) {
            return "a map";
        }
        if (type instanceof Class<?> c && c.isRecord()) {
            return "a map with keys " + keyList(c.getRecordComponents());
        }
        return "a value";
    }

    private static int indexOf(RecordComponent[] components, String key) {
        for (int i = 0; i < components.length; i++) {
            if (components[i].getName().equals(key)) {
                return i;
            }
        }
        return -1;
    }

    private static String keyList(RecordComponent[] components) {
        return Arrays.stream(components).map(RecordComponent::getName).collect(Collectors.joining(", "));
    }

    /** A close valid key for a typo ({@code Registries}, {@code dataEndpointRegion}), or "". */
    private static String suggestion(String key, RecordComponent[] components) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (RecordComponent c : components) {
            int d = c.getName().equalsIgnoreCase(key) ? 0 : distance(key, c.getName());
            if (d < bestDistance) {
                best = c.getName();
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.min(2, key.length() / 3) ? ", did you mean \"" + best + "\"?" : "";
    }

    /** Levenshtein distance; keys are short, so the quadratic table is fine. */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(substitution, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
