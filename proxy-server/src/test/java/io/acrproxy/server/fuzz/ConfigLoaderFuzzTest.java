package io.acrproxy.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.PolicyCompileException;
import io.acrproxy.server.config.ConfigError;
import io.acrproxy.server.config.ConfigException;
import io.acrproxy.server.config.ConfigLoader;
import io.acrproxy.server.config.LoadedPolicy;
import io.acrproxy.server.config.PolicySpecs;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionEndEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.DocumentStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.MappingStartEvent;
import org.yaml.snakeyaml.events.ScalarEvent;

/**
 * The config loader and validator (design §3, docs/configuration.md "Error messages") under hostile YAML, through
 * {@link PolicySpecs#load(String, Path)} (the config and the files it names, as start-up and {@code check-config} read
 * them) and {@link ConfigLoader#load(String, Path)} (the config alone). Properties:
 * <ul>
 *   <li>any text loads or is refused with {@link ConfigException}, never another exception;</li>
 *   <li>every problem is one line of the documented shape: an empty path (the file as a whole) or a key path such as
 *       {@code registries[1].name} or {@code resolver.hosts["a.b"]}, then {@code ": "} and a message without control
 *       characters (so never a stack trace); warnings are single lines too;</li>
 *   <li>the config's own problems come first, in the same order, then those of the files it names;</li>
 *   <li>loading the same text again gives the same problems, or the same warnings and the same compiled policy;</li>
 *   <li>a config that loads compiles ({@link Policy#compile}) or fails with {@link PolicyCompileException} alone,
 *       whose problems are single lines;</li>
 *   <li>YAML aliases, a repeated key in a map and a second document (found by SnakeYAML's own event stream) are
 *       never loaded.</li>
 * </ul>
 * Relative paths resolve in a temporary directory holding an endpoints file, a service-tags file and a parent's
 * password file; anything else named does not exist. Inputs over 64 KiB are skipped, and so are inputs with a scalar
 * that could name a path outside that directory (one starting with a slash or holding {@code ..}), so that the fuzzer
 * never makes the loader read a device or another file of the machine.
 */
class ConfigLoaderFuzzTest {
    private static final int MAX_INPUT_BYTES = 64 * 1024;

    private static final String PLAIN = "[A-Za-z_][A-Za-z0-9_-]*";
    private static final String QUOTED = "\\[\"(?:[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\x[0-9a-f]{2}|\\\\u[0-9a-f]{4})*\"\\]";
    /** A path starts at a key, or at an index when the document is a list (a duplicate key found before the root's type). */
    private static final Pattern KEY_PATH = Pattern.compile(
            "(?:" + PLAIN + "|" + QUOTED + "|\\[[0-9]+\\])(?:\\." + PLAIN + "|" + QUOTED + "|\\[[0-9]+\\])*");

    private static final Path BASE = baseDirectory();

    @FuzzTest(maxDuration = "10m")
    void loadsOrReportsOneLineProblemsAndRefusesAliasesDuplicatesAndDocuments(byte[] input) {
        if (input.length > MAX_INPUT_BYTES) {
            return;
        }
        String yaml = new String(input, StandardCharsets.UTF_8);
        if (!staysInBaseDirectory(yaml)) {
            return;
        }
        Object first = outcome(yaml);
        assertThat(outcome(yaml)).as("loading the same text again").isEqualTo(first);

        List<ConfigError> configErrors = configOnly(yaml);
        if (first instanceof Refused refused) {
            for (ConfigError error : refused.errors) {
                checkLine(error);
            }
            assertThat(refused.errors.subList(0, Math.min(configErrors.size(), refused.errors.size())))
                    .as("the config's own problems first, then its files'").isEqualTo(configErrors);
        } else {
            assertThat(configErrors).as("the config alone loads when config and files do").isEmpty();
        }
        if (yamlForbidden(yaml)) {
            assertThat(first).as("aliases, repeated keys and second documents are refused").isInstanceOf(Refused.class);
        }
    }

    /** What a load gives: its problems, or its warnings and the compiled policy's version or compile problems. */
    private static Object outcome(String yaml) {
        LoadedPolicy loaded;
        try {
            loaded = PolicySpecs.load(yaml, BASE);
        } catch (ConfigException e) {
            assertThat(e.errors()).isNotEmpty();
            return new Refused(e.errors());
        }
        for (String warning : loaded.warnings()) {
            assertThat(oneLine(warning)).as("warning %s is one line", warning).isTrue();
        }
        try {
            Policy policy = Policy.compile(loaded.spec());
            for (String warning : policy.warnings()) {
                assertThat(oneLine(warning)).as("policy warning %s is one line", warning).isTrue();
            }
            return new Loaded(loaded.warnings(), policy.version(), List.of());
        } catch (PolicyCompileException e) {
            assertThat(e.problems()).isNotEmpty().allSatisfy(p -> assertThat(oneLine(p)).as("compile problem %s", p).isTrue());
            return new Loaded(loaded.warnings(), null, e.problems());
        }
    }

    private static List<ConfigError> configOnly(String yaml) {
        try {
            ConfigLoader.load(yaml, BASE);
            return List.of();
        } catch (ConfigException e) {
            return e.errors();
        }
    }

    private record Refused(List<ConfigError> errors) {
    }

    private record Loaded(List<String> warnings, String version, List<String> compileProblems) {
    }

    /** {@code path: problem} as documented; the path empty for the file as a whole. */
    private static void checkLine(ConfigError error) {
        String line = error.toString();
        assertThat(oneLine(line)).as("one line: %s", line).isTrue();
        assertThat(error.message()).as("a problem in %s", line).isNotBlank();
        if (!error.path().isEmpty()) {
            assertThat(error.path()).as("key path of %s", line).matches(KEY_PATH);
            assertThat(line).startsWith(error.path() + ": ");
        }
    }

    private static boolean oneLine(String s) {
        return !s.isBlank() && s.chars().noneMatch(c -> Character.isISOControl(c) || c == '\u2028' || c == '\u2029');
    }

    // ---- What SnakeYAML's own event stream says about aliases, repeated keys and documents ----

    /** True when the text parses as YAML and holds an alias, a repeated scalar key in one map, or two documents. */
    private static boolean yamlForbidden(String yaml) {
        String text = withoutByteOrderMark(yaml);
        int documents = 0;
        Deque<MapFrame> stack = new ArrayDeque<>();
        try {
            for (Event event : new Yaml().parse(new StringReader(text))) {
                if (event instanceof DocumentStartEvent) {
                    documents++;
                } else if (event instanceof AliasEvent) {
                    return true;
                } else if (event instanceof ScalarEvent scalar) {
                    MapFrame map = stack.peek();
                    if (map != null && map.isMap && map.expectKey && !map.keys.add(scalar.getValue())) {
                        return true;
                    }
                    completeNode(stack);
                } else if (event instanceof CollectionStartEvent) {
                    stack.push(new MapFrame(event instanceof MappingStartEvent));
                } else if (event instanceof CollectionEndEvent) {
                    stack.pop();
                    completeNode(stack);
                }
            }
        } catch (YAMLException e) {
            return false; // not YAML: the loader reports a syntax error, nothing to compare
        }
        return documents > 1;
    }

    /** As the loader does: a byte-order mark at the start is not part of the YAML. */
    private static String withoutByteOrderMark(String yaml) {
        return yaml.startsWith("\uFEFF") ? yaml.substring(1) : yaml;
    }

    /** A node ended inside a map: a key is followed by its value and a value by the next key. */
    private static void completeNode(Deque<MapFrame> stack) {
        MapFrame map = stack.peek();
        if (map != null && map.isMap) {
            map.expectKey = !map.expectKey;
        }
    }

    private static final class MapFrame {
        final boolean isMap;
        final Set<String> keys = new HashSet<>();
        boolean expectKey = true;

        MapFrame(boolean isMap) {
            this.isMap = isMap;
        }
    }

    // ---- Hermetic: what a path in the text can reach ----

    /**
     * False when a path in the text could leave the base directory: some scalar (as SnakeYAML reads it, escapes and
     * folding applied) starts with a slash or holds {@code ..}. Text that SnakeYAML cannot read is judged by
     * {@link #textStaysInBaseDirectory}, in case the loader reads it differently.
     */
    static boolean staysInBaseDirectory(String text) {
        List<String> scalars = new ArrayList<>();
        try {
            for (Event event : new Yaml().parse(new StringReader(withoutByteOrderMark(text)))) {
                if (event instanceof ScalarEvent scalar) {
                    scalars.add(scalar.getValue());
                }
            }
        } catch (YAMLException e) {
            return textStaysInBaseDirectory(text);
        }
        return scalars.stream().noneMatch(s -> s.strip().startsWith("/") || s.contains(".."));
    }

    /**
     * The same judged on the raw text, conservatively: a slash is allowed only inside a word (a relative path, a CIDR
     * such as {@code 10.0.0.0/8} or {@code fc00::/7}) or as the {@code //} of {@code scheme://}; a slash after a blank,
     * a quote, a bracket or {@code ..} is refused (after a quoted key a {@code :} ends the key even without a blank, so
     * {@code ":/x"} is refused), and so are the double-quoted escapes that could spell a slash.
     */
    static boolean textStaysInBaseDirectory(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length() && "xuU/".indexOf(text.charAt(i + 1)) >= 0) {
                return false;
            }
            if (c != '/') {
                continue;
            }
            char before = i > 0 ? text.charAt(i - 1) : ' ';
            char twoBefore = i > 1 ? text.charAt(i - 2) : ' ';
            boolean safe = isWordChar(before)
                    || before == '.' && twoBefore != '.'
                    || before == ':' && (isWordChar(twoBefore) || twoBefore == ':')
                    || before == '/' && twoBefore == ':' && i > 2 && isWordChar(text.charAt(i - 3));
            if (!safe) {
                return false;
            }
        }
        return true;
    }

    private static boolean isWordChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-';
    }

    // ---- The base directory: a few files that seeds name, nothing else ----

    private static Path baseDirectory() {
        try {
            Path dir = Files.createTempDirectory("config-fuzz");
            dir.toFile().deleteOnExit();
            Path endpoints = Files.createDirectories(dir.resolve("endpoints"));
            endpoints.toFile().deleteOnExit();
            write(endpoints.resolve("myregistry.json"), """
                    {"dataEndpoints": [{"endpoint": "myregistry.eastus.data.azurecr.io", "region": "eastus"}],
                     "loginServer": "myregistry.azurecr.io",
                     "regionalEndpoints": [{"endpoint": "myregistry.eastus.geo.azurecr.io", "region": "eastus"}]}
                    """);
            write(dir.resolve("tags.json"), """
                    {"changeNumber": 1, "cloud": "Public", "values": [
                      {"name": "AzureContainerRegistry.EastUS", "properties": {"addressPrefixes": ["20.42.66.0/24", "2603:1030:210:802::400/121"]}},
                      {"name": "Storage.EastUS", "properties": {"addressPrefixes": ["20.38.98.0/24"]}}]}
                    """);
            write(dir.resolve("parent-password"), "s3cret\n");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text);
        file.toFile().deleteOnExit();
    }

    @Test
    void thePathGuardKeepsTheFuzzerInTheBaseDirectory() {
        assertThat(staysInBaseDirectory("a: 10.0.0.0/8\nb: ['fc00::/7', '::/0']\nc: https://example.com/x.json\n"
                + "d: endpoints/a.json\ne: ./tags.json\nf: x:/y\n# a comment naming /dev/zero and ../x\n")).isTrue();
        for (String outside : List.of("a: /dev/zero", "a: ../../dev/zero", "a: x/../../dev", "{\"a\":/dev/zero}",
                "a: '/dev/zero'", "a: [/dev/zero]", "a: \"\\x2fdev\"", "a: \"\\/dev\"", "a: |\n  /dev/zero",
                "/dev/zero", "a: \" /dev/zero\"", "a: [10.0.0.0/8, /dev/zero")) {
            assertThat(staysInBaseDirectory(outside)).as(outside).isFalse();
        }
        assertThat(staysInBaseDirectory("a: [10.0.0.0/8, 'fc00::/7', x/y")).as("unreadable YAML, judged as text").isTrue();
    }
}
