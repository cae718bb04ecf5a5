package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs Debian's curl ({@code .ci/run} installs it), a real third-party client, and collects what it printed. */
public final class Curl {
    /** Exit status, standard output and standard error of one run. */
    public record Result(int exit, String out, String err) {
        /** The lines curl's {@code --verbose} prints for what it received, such as {@code < HTTP/1.1 502 ...}. */
        public List<String> received() {
            return err.lines().filter(l -> l.startsWith("< ")).map(l -> l.substring(2)).toList();
        }
    }

    private Curl() {
    }

    /** {@code curl --silent --show-error --max-time 20 args...}. */
    public static Result run(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(LoopbackDaemon.binary("curl", "curl").toString(), "--silent",
                "--show-error", "--max-time", "20"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).start();
        // Both streams at once: a verbose run can fill the error pipe while the body is still being written.
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("curl finished").isTrue();
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err.get(), StandardCharsets.UTF_8));
    }

    private static byte[] readAll(java.io.InputStream in) {
        try {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
