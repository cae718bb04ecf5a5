package io.acrproxy.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads the YAML config file of design §3 into a validated {@link ProxyConfig}: YAML text → tree →
 * {@link WireConfig} → {@link ProxyConfig}, reporting every problem of the file in one {@link ConfigException}.
 *
 * <p>This reads the config file only. {@link PolicySpecs#load(Path)} also reads the endpoint and
 * service-tags files it names, and is what start-up and {@code check-config} use.
 */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    /**
     * Loads a config file. Relative paths inside it are resolved against the file's directory.
     *
     * @throws ConfigException naming every problem found
     */
    public static LoadedConfig load(Path file) throws ConfigException {
        Problems problems = new Problems();
        ProxyConfig config = check(file, problems);
        problems.throwIfErrors();
        return new LoadedConfig(config, problems.warnings());
    }

    /**
     * Loads config text, e.g. a file's new contents on reload.
     *
     * @param baseDirectory what relative paths in the config are resolved against
     * @throws ConfigException naming every problem found
     */
    public static LoadedConfig load(String yaml, Path baseDirectory) throws ConfigException {
        Problems problems = new Problems();
        ProxyConfig config = check(yaml, baseDirectory, problems);
        problems.throwIfErrors();
        return new LoadedConfig(config, problems.warnings());
    }

    /** Reads and validates a file, recording problems; {@code null} when the file or its YAML is unreadable. */
    static ProxyConfig check(Path file, Problems problems) {
        Path absolute = file.toAbsolutePath();
        String text;
        try {
            text = Files.readString(absolute);
        } catch (CharacterCodingException e) {
            problems.error(KeyPath.ROOT, absolute + ": is not UTF-8 text");
            return null;
        } catch (IOException e) {
            problems.error(KeyPath.ROOT, absolute + ": " + IoProblems.describe(e));
            return null;
        }
        return check(text, absolute.getParent(), problems);
    }

    /**
     * Validates config text, recording problems. The config is best-effort when problems were recorded
     * (invalid values replaced by defaults); {@code null} when the YAML could not be read at all.
     */
    static ProxyConfig check(String yaml, Path baseDirectory, Problems problems) {
        return check(yaml, baseDirectory, problems, System::getenv);
    }

    /** As {@link #check(String, Path, Problems)}, looking environment variables up in {@code environment}. */
    static ProxyConfig check(String yaml, Path baseDirectory, Problems problems,
            java.util.function.Function<String, String> environment) {
        // A byte-order mark is legal at the start of a UTF-8 file and means nothing to YAML.
        String text = yaml.startsWith("\uFEFF") ? yaml.substring(1) : yaml;
        JsonNode tree = YamlReader.read(text, problems);
        if (tree == null) {
            return null;
        }
        WireConfig wire = new WireBinder(problems).bindRoot(tree, WireConfig.class);
        return new ConfigValidator(problems, baseDirectory.toAbsolutePath(), environment).validate(wire);
    }
}
