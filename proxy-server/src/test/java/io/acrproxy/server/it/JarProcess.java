package io.acrproxy.server.it;

import static org.awaitility.Awaitility.await;

import io.acrproxy.server.RepositoryRoot;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The executable jar in a process of its own, as a user runs it ({@code java -jar acr-egress-proxy.jar run
 * --config FILE}), with its standard output (access log) and standard error (application log) collected line
 * by line. {@link #close} sends SIGTERM, so the proxy drains and stops as it would under systemd.
 */
public final class JarProcess implements AutoCloseable {
    public final Process process;
    public final List<String> stdout = new CopyOnWriteArrayList<>();
    public final List<String> stderr = new CopyOnWriteArrayList<>();

    /** The config's file name, to name the log this process leaves behind. */
    private final String name;

    private JarProcess(Process process, Path config) {
        this(process, config, true);
    }

    private JarProcess(Process process, Path config, boolean readStdout) {
        this.process = process;
        this.name = config.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        if (readStdout) {
            pump(process.getInputStream(), stdout);
        }
        pump(process.getErrorStream(), stderr);
    }

    /**
     * As {@link #run(Path, String...)}, but nobody reads the process's standard output (its access log): the pipe
     * fills after 64 KiB and every further write to it blocks, as behind a log reader that stopped.
     */
    public static JarProcess runWithStdoutUnread(Path config) throws IOException {
        return awaitAdmin(new JarProcess(builder(config).start(), config, false));
    }

    /** Starts {@code run --config config} and waits until the admin endpoints are up. */
    public static JarProcess run(Path config, String... jvmOptions) throws IOException {
        return awaitAdmin(start(config, jvmOptions));
    }

    /** As {@link #run(Path, String...)} with extra environment variables (such as a parent proxy's password). */
    public static JarProcess run(Path config, java.util.Map<String, String> environment) throws IOException {
        ProcessBuilder b = builder(config);
        b.environment().putAll(environment);
        return awaitAdmin(new JarProcess(b.start(), config));
    }

    private static JarProcess awaitAdmin(JarProcess p) {
        try {
            p.awaitStderr("admin endpoints on", Duration.ofSeconds(30));
        } catch (RuntimeException | Error e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** Starts {@code run --config config} without waiting for anything. */
    public static JarProcess start(Path config, String... jvmOptions) throws IOException {
        return new JarProcess(builder(config, jvmOptions).start(), config);
    }

    private static ProcessBuilder builder(Path config, String... jvmOptions) {
        Path jar = RepositoryRoot.find().resolve("proxy-server/target/acr-egress-proxy.jar");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-jar", jar.toString(), "run", "--config", config.toString()));
        return new ProcessBuilder(command);
    }

    /** What a one-shot command of the jar ({@code check-config}, {@code explain} ...) printed, and its exit code. */
    public record CommandResult(int exit, String out, String err) {
    }

    /** Runs {@code java -jar acr-egress-proxy.jar ARGS} to its end (at most 60 s). */
    public static CommandResult command(Path workDir, String... args) throws IOException, InterruptedException {
        Path jar = RepositoryRoot.find().resolve("proxy-server/target/acr-egress-proxy.jar");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(workDir, "command", ".out");
        Path err = Files.createTempFile(workDir, "command", ".err");
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", args) + " did not end within 60 s");
        }
        return new CommandResult(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** An unused loopback port, for configs that must name one before the process starts. */
    /**
     * A port nobody listens on now, never one this JVM handed out before: the kernel may give a just-closed probe's
     * port again at once, and a config with two ports from two calls then had the same one twice (seen in RunCommandIT).
     */
    public static int freePort() throws IOException {
        while (true) {
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                if (HANDED_OUT.add(probe.getLocalPort())) {
                    return probe.getLocalPort();
                }
            }
        }
    }

    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public void awaitStderr(String text, Duration atMost) {
        await().atMost(atMost).until(() -> stderr.stream().anyMatch(l -> l.contains(text)));
    }

    public void awaitStdout(String text, Duration atMost) {
        await().atMost(atMost).until(() -> stdout.stream().anyMatch(l -> l.contains(text)));
    }

    public long stderrLinesContaining(String text) {
        return stderr.stream().filter(l -> l.contains(text)).count();
    }

    public long pid() {
        return process.pid();
    }

    /** User plus system CPU time the process has used so far. */
    public Duration cpuTime() {
        return process.toHandle().info().totalCpuDuration().orElseThrow();
    }

    @Override
    public void close() {
        process.toHandle().destroy(); // SIGTERM; Process.destroy() would also close the output streams
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the proxy did not stop within 30 s of SIGTERM");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        } finally {
            keepLog();
        }
    }

    /**
     * Leaves what the process wrote in {@code proxy-server/target/jar-process-logs/NAME-PID.log} (standard error, then
     * the access log): a test that fails once in many runs can then be read afterwards, on CI too.
     */
    private void keepLog() {
        Path dir = RepositoryRoot.find().resolve("proxy-server/target/jar-process-logs");
        try {
            Files.createDirectories(dir);
            List<String> lines = new ArrayList<>(stderr);
            lines.add("----- standard output -----");
            lines.addAll(stdout);
            Files.write(dir.resolve(name + "-" + process.pid() + ".log"), lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.err.println("could not keep the log of " + name + ": " + e);
        }
    }

    private static void pump(InputStream in, List<String> into) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    into.add(line);
                }
            } catch (IOException e) {
                into.add("(stream closed: " + new UncheckedIOException(e).getMessage() + ")");
            }
        });
        t.setDaemon(true);
        t.start();
    }
}
