package io.acrproxy.server.soak;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The proxy process's open file descriptors and resident memory, read from {@code /proc}. */
final class ProcessProbe {
    private final long pid;

    ProcessProbe(long pid) {
        this.pid = pid;
    }

    int fds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return (int) s.count();
        }
    }

    /** VmRSS in KiB. */
    long rssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS in /proc/" + pid + "/status");
    }

    /** The targets of the open descriptors (socket:[...], pipe:[...], files), for a report when the count is off. */
    String describeFds() throws IOException {
        StringBuilder b = new StringBuilder();
        java.util.Map<String, Integer> kinds = new java.util.TreeMap<>();
        try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            s.forEach(fd -> {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    target = "(gone)";
                }
                kinds.merge(target.replaceAll("\\[[0-9]+\\]", "[...]"), 1, Integer::sum);
            });
        }
        kinds.forEach((k, v) -> b.append(v).append(" x ").append(k).append('\n'));
        return b.toString();
    }
}
