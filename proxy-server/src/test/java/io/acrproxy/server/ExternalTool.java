package io.acrproxy.server;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A third-party checker the tests run when it is installed (promtool, systemd-analyze, kubectl) and skip
 * otherwise: the checks belong to the build, the tools to the machine.
 */
public final class ExternalTool {
    /** What a run printed (standard output and error together) and its exit status. */
    public record Result(int exitStatus, String output) {
    }

    private final Path executable;

    private ExternalTool(Path executable) {
        this.executable = executable;
    }

    /** The tool on PATH or in /usr/bin; skips the calling test when it is in neither. */
    public static ExternalTool require(String name, String whyMissing) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.add("/usr/bin");
        for (String dir : dirs) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(candidate)) {
                return new ExternalTool(candidate);
            }
        }
        assumeTrue(false, name + " is not installed (" + whyMissing + ")");
        throw new AssertionError("unreachable");
    }

    /** Runs the tool in {@code directory}, its output captured in a file of {@code scratch}. */
    public Result run(Path directory, Path scratch, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        command.addAll(List.of(args));
        Path output = Files.createTempFile(scratch, executable.getFileName().toString(), ".out");
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("did not finish in 120 s: " + command);
        }
        return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return executable.toString();
    }
}
