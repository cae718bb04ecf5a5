package io.acrproxy.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the commands share: where output goes, how configs are loaded, and the exit codes. */
final class Cli {
    static final int EXIT_OK = 0;
    static final int EXIT_DENIED = 1;
    static final int EXIT_BAD_INPUT = 2;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final PolicyLoader loader;
    private final PrintWriter out;
    private final PrintWriter err;

    Cli(PolicyLoader loader, PrintWriter out, PrintWriter err) {
        this.loader = loader;
        this.out = out;
        this.err = err;
    }

    PrintWriter out() {
        return out;
    }

    PrintWriter err() {
        return err;
    }

    EffectivePolicy load(Path config) throws PolicyLoadException {
        return loader.load(config);
    }

    /** Loads, or prints every error to standard error and returns {@code null}. */
    EffectivePolicy loadOrReport(Path config) {
        // Not "invalid": there is nothing to validate, and the user's next step is a different one.
        if (!Files.exists(config)) {
            return report("configuration " + config + " does not exist (expected: a YAML file such as "
                    + "config/acr-egress-proxy.yaml)");
        }
        if (Files.isDirectory(config)) {
            return report("configuration " + config + " is a directory (expected: a YAML file)");
        }
        try {
            return loader.load(config);
        } catch (PolicyLoadException e) {
            err.println("configuration " + config + " is invalid:");
            e.errors().forEach(line -> err.println("  " + line));
            err.flush();
            return null;
        }
    }

    private EffectivePolicy report(String message) {
        badInput(message);
        return null;
    }

    int badInput(String message) {
        err.println(message);
        err.flush();
        return EXIT_BAD_INPUT;
    }

    void printJson(JsonNode node) {
        try {
            out.println(JSON.writeValueAsString(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
        out.flush();
    }
}
