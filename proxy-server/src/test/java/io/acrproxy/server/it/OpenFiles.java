package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A running process's open files and its open-file limit, for the tests that make descriptors run out. */
final class OpenFiles {
    private OpenFiles() {
    }

    /** The descriptors the process has open now. */
    static long count(long pid) throws IOException {
        try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.count();
        }
    }

    /** Sets the soft open-file limit of a running process (util-linux prlimit; lowering needs no privilege). */
    static void setLimit(long pid, long soft) throws Exception {
        Process p = new ProcessBuilder("prlimit", "--pid", Long.toString(pid), "--nofile=" + soft + ":")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("prlimit: %s", out).isZero();
    }
}
