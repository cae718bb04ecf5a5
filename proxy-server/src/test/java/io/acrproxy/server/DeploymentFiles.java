package io.acrproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Readers for the deployment files in docker/: the Dockerfile's instructions, the systemd unit's keys, the
 * Kubernetes manifests by kind and name, and sizes in the JVM's and Kubernetes' notations. Only as much of
 * each format as those files use.
 */
final class DeploymentFiles {
    static final YAMLMapper YAML = new YAMLMapper();
    private static final JsonMapper JSON = new JsonMapper();
    private static final Pattern JVM_SIZE = Pattern.compile("(\\d+)([kKmMgG]?)");
    private static final Pattern K8S_QUANTITY = Pattern.compile("(\\d+)(Ki|Mi|Gi|k|M|G)?");

    private DeploymentFiles() {
    }

    /** Dockerfile instructions in order, continuation lines joined: {@code [ENV, JAVA_OPTS="..."]}. */
    /**
     * The config with its commented parent-proxy example switched on: every comment line that holds the example's
     * YAML ({@code # parents:}, {@code # routes:} and their indented items) loses its {@code # }.
     */
    static String withParentExample(String config) {
        StringBuilder out = new StringBuilder();
        boolean inExample = false;
        for (String line : config.split("\n", -1)) {
            String trimmed = line.stripLeading();
            String body = trimmed.startsWith("# ") ? trimmed.substring(2) : null;
            if (body != null && (body.startsWith("parents:") || body.startsWith("routes:"))) {
                inExample = true;
            } else if (body == null || !body.startsWith("  ")) {
                inExample = false;
            }
            out.append(inExample ? body : line).append('\n');
        }
        return out.toString();
    }

    static List<Map.Entry<String, String>> dockerfile(Path file) throws IOException {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(file)) {
            String trimmed = line.strip();
            if (current.isEmpty() && (trimmed.isEmpty() || trimmed.startsWith("#"))) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            String[] parts = current.toString().split("\\s+", 2);
            out.add(Map.entry(parts[0].toUpperCase(), parts.length > 1 ? parts[1] : ""));
            current.setLength(0);
        }
        return out;
    }

    /** The arguments of every instruction of one kind. */
    static List<String> instructions(List<Map.Entry<String, String>> dockerfile, String kind) {
        return dockerfile.stream().filter(e -> e.getKey().equals(kind)).map(Map.Entry::getValue).toList();
    }

    /** The exec-form (JSON array) arguments of an instruction such as CMD or ENTRYPOINT. */
    static List<String> execForm(String json) throws IOException {
        List<String> out = new ArrayList<>();
        JSON.readTree(json).forEach(n -> out.add(n.asText()));
        return out;
    }

    /** A systemd unit's keys and their values (a key may repeat), section names left out. */
    static Map<String, List<String>> unit(Path file) throws IOException {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#") || trimmed.startsWith(";") || trimmed.startsWith("[")) {
                continue;
            }
            int eq = trimmed.indexOf('=');
            assertThat(eq).as("unit line %s", trimmed).isPositive();
            keys.computeIfAbsent(trimmed.substring(0, eq), k -> new ArrayList<>()).add(trimmed.substring(eq + 1));
        }
        return keys;
    }

    /** Every document of every manifest in a directory, by {@code Kind/name}. */
    static Map<String, JsonNode> manifests(Path dir) throws IOException {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        List<Path> files;
        try (var listing = Files.list(dir)) {
            files = listing.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        for (Path file : files) {
            try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
                for (JsonNode doc : docs.readAll()) {
                    String key = doc.path("kind").asText() + "/" + doc.path("metadata").path("name").asText();
                    assertThat(out.put(key, doc)).as("%s defined twice (%s)", key, file).isNull();
                }
            }
        }
        return out;
    }

    /** The value of {@code -Xmx256m}-style or {@code -XX:Name=256m}-style options, in bytes; fails if absent. */
    static long jvmSize(String options, String prefix) {
        for (String option : options.split(" ")) {
            if (option.startsWith(prefix)) {
                Matcher m = JVM_SIZE.matcher(option.substring(prefix.length()));
                assertThat(m.matches()).as("size in %s", option).isTrue();
                return Long.parseLong(m.group(1)) << switch (m.group(2).toLowerCase()) {
                    case "k" -> 10;
                    case "m" -> 20;
                    case "g" -> 30;
                    default -> 0;
                };
            }
        }
        throw new AssertionError("no " + prefix + " in " + options);
    }

    /** A Kubernetes memory quantity ({@code 768Mi}, {@code 1G}) in bytes. */
    static long quantity(String text) {
        Matcher m = K8S_QUANTITY.matcher(text);
        assertThat(m.matches()).as("quantity %s", text).isTrue();
        long unit = m.group(2) == null ? 1 : switch (m.group(2)) {
            case "Ki" -> 1L << 10;
            case "Mi" -> 1L << 20;
            case "Gi" -> 1L << 30;
            case "k" -> 1_000L;
            case "M" -> 1_000_000L;
            default -> 1_000_000_000L;
        };
        return Long.parseLong(m.group(1)) * unit;
    }

    /** A systemd time span as written in the unit ({@code 45s}, {@code 2min}), in seconds. */
    static long seconds(String span) {
        Matcher m = Pattern.compile("(\\d+)(s|min)?").matcher(span.strip());
        assertThat(m.matches()).as("time span %s", span).isTrue();
        return Long.parseLong(m.group(1)) * ("min".equals(m.group(2)) ? 60 : 1);
    }
}
