package io.acrproxy.server.e2e;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the end-to-end suite needs from the machine: Debian's {@code docker-registry}, {@code skopeo},
 * {@code docker.io} and {@code curl}, and root (the TLS fronts listen on port 443 like the real endpoints).
 * {@code .ci/run} installs the packages and sets {@code ACRPROXY_E2E=required}, so that in CI a missing tool fails
 * the run instead of skipping it; on a developer machine without them the tests are skipped with the reason.
 */
final class E2eTools {
    private E2eTools() {
    }

    static boolean required() {
        return "required".equals(System.getenv("ACRPROXY_E2E"));
    }

    /** Skips (or, in CI, fails) unless {@code condition} holds. */
    static void need(boolean condition, String what) {
        if (!condition && required()) {
            fail(what + " (ACRPROXY_E2E=required)");
        }
        assumeTrue(condition, what);
    }

    static Path binary(String name, String debianPackage) {
        return io.acrproxy.server.it.LoopbackDaemon.binary(name, debianPackage);
    }

    /** Closes each non-null resource; one that fails does not keep the others open (test teardown). */
    static void closeAll(AutoCloseable... resources) {
        for (AutoCloseable c : resources) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // the others still stop
            }
        }
    }

    static void needRoot() {
        need("root".equals(System.getProperty("user.name")), "the TLS fronts listen on port 443, which needs root");
    }

    record Result(int exit, String out, String err) {
        String all() {
            return out + err;
        }
    }

    /** Runs a command to completion with extra environment variables; output is collected, never inherited. */
    static Result run(Map<String, String> env, long timeoutSeconds, String... command) throws IOException, InterruptedException {
        return run(env, timeoutSeconds, List.of(command));
    }

    static Result run(Map<String, String> env, long timeoutSeconds, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command));
        pb.environment().putAll(env);
        Path out = Files.createTempFile("e2e-out", ".txt");
        Path err = Files.createTempFile("e2e-err", ".txt");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s; stderr: "
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
