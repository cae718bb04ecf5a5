package io.acrproxy.server.soak;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The soak's verdict and its evidence: the pass/fail rules with what was observed, the outcomes per workload kind,
 * the metric comparisons and the samples, written as {@code report.md}, {@code samples.csv} and {@code soak-plot.svg}.
 */
final class SoakReport {
    record Check(String rule, String observed, boolean passed) {
    }

    record Comparison(String what, double proxy, double clients) {
        boolean agrees() {
            return proxy == clients;
        }
    }

    final List<Check> checks = new ArrayList<>();
    final List<Comparison> comparisons = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    private final String title;

    SoakReport(String title) {
        this.title = title;
    }

    void check(String rule, String observed, boolean passed) {
        checks.add(new Check(rule, observed, passed));
    }

    void compare(String what, double proxy, double clients) {
        comparisons.add(new Comparison(what, proxy, clients));
    }

    List<String> failed() {
        List<String> out = new ArrayList<>();
        checks.stream().filter(c -> !c.passed()).forEach(c -> out.add(c.rule() + ": " + c.observed()));
        comparisons.stream().filter(c -> !c.agrees())
                .forEach(c -> out.add("metric " + c.what() + " = " + fmt(c.proxy()) + ", clients saw " + fmt(c.clients())));
        return out;
    }

    void write(Path dir, Ledger ledger, Sampler sampler, AccessLogCheck log, double warmUpSeconds) throws IOException {
        Files.createDirectories(dir);
        StringBuilder md = new StringBuilder("# " + title + "\n\n");
        md.append(failed().isEmpty() ? "**PASSED**\n\n" : "**FAILED**\n\n");
        md.append("## Rules\n\n| rule | observed | |\n|---|---|---|\n");
        for (Check c : checks) {
            md.append("| ").append(c.rule()).append(" | ").append(c.observed()).append(" | ").append(c.passed() ? "pass" : "**FAIL**").append(" |\n");
        }
        md.append("\n## Outcomes per workload kind\n\n| kind |");
        for (Outcome o : Outcome.values()) {
            md.append(' ').append(o.name().toLowerCase(Locale.ROOT)).append(" |");
        }
        md.append("\n|---|").append("---:|".repeat(Outcome.values().length)).append('\n');
        long[] totals = new long[Outcome.values().length];
        for (Kind k : Kind.values()) {
            md.append("| ").append(k.name().toLowerCase(Locale.ROOT)).append(k.fault ? " (fault)" : "").append(" |");
            for (Outcome o : Outcome.values()) {
                long n = ledger.count(k, o);
                totals[o.ordinal()] += n;
                md.append(' ').append(n).append(" |");
            }
            md.append('\n');
        }
        md.append("| **all** |");
        for (long t : totals) {
            md.append(" **").append(t).append("** |");
        }
        md.append(String.format(Locale.ROOT, "%n%nBytes checked end to end (plaintext): %s. Client wire bytes of established "
                        + "tunnels: %s up, %s down.%n",
                bytes(ledger.verifiedBytes.sum()), bytes(ledger.wireUp.sum()), bytes(ledger.wireDown.sum())));
        md.append("\n## How the expected failures ended\n\n| kind, outcome: how | count |\n|---|---:|\n");
        ledger.endings().forEach((k, v) -> md.append("| ").append(k.replace("|", "/")).append(" | ").append(v).append(" |\n"));
        if (!ledger.failureExamples().isEmpty()) {
            md.append("\n## Corrupted and unexpected failures (first 50)\n\n");
            ledger.failureExamples().forEach(f -> md.append("- ").append(f).append('\n'));
        }
        md.append(String.format(Locale.ROOT, "%n## Latency%n%nCONNECT (TCP connect to the `200`, %d samples): p50 %.2f ms, "
                        + "p99 %.2f ms, max %.2f ms. `/healthz` (%d samples): p50 %.2f ms, p99 %.2f ms, max %.2f ms.%n",
                ledger.connectSamples(), ledger.connectMillis(50), ledger.connectMillis(99), ledger.connectMillis(100),
                sampler.samples.size(), sampler.healthzMillis(50), sampler.healthzMillis(99), sampler.healthzMillis(100)));
        md.append("\n## Metrics against what the clients saw (deltas over the run)\n\n| metric | proxy | clients | |\n|---|---:|---:|---|\n");
        for (Comparison c : comparisons) {
            md.append("| ").append(c.what()).append(" | ").append(fmt(c.proxy())).append(" | ").append(fmt(c.clients()))
                    .append(" | ").append(c.agrees() ? "agree" : "**DIFFER**").append(" |\n");
        }
        md.append("\n## Access log: each connection's line, by kind and outcome\n\n| client kind, outcome -> decision/reason/end | lines |\n|---|---:|\n");
        log.endsByKind.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        if (!log.problems.isEmpty()) {
            md.append("\nAccess-log problems (first 30 of ").append(log.problemCount).append("):\n\n");
            log.problems.forEach(p -> md.append("- ").append(p).append('\n'));
        }
        if (!sampler.healthFailures.isEmpty()) {
            md.append("\n## /healthz and sampling failures\n\n");
            sampler.healthFailures.forEach(p -> md.append("- ").append(p).append('\n'));
        }
        if (!notes.isEmpty()) {
            md.append("\n## Notes\n\n");
            notes.forEach(n -> md.append("- ").append(n).append('\n'));
        }
        md.append("\nSamples: `samples.csv`; plot: `soak-plot.svg`.\n");
        Files.writeString(dir.resolve("report.md"), md.toString(), StandardCharsets.UTF_8);

        StringBuilder csv = new StringBuilder("seconds,rss_kib,fds,tunnels_active,connections_active,idle_tunnels_held,healthz_ms,healthz_status\n");
        synchronized (sampler.samples) {
            for (Sampler.Sample s : sampler.samples) {
                csv.append(String.format(Locale.ROOT, "%.1f,%d,%d,%d,%d,%d,%.2f,%d%n", s.seconds(), s.rssKib(), s.fds(), s.tunnels(),
                        s.connections(), s.heldTunnels(), s.healthzMillis(), s.healthzStatus()));
            }
            Files.writeString(dir.resolve("samples.csv"), csv.toString(), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("soak-plot.svg"), SvgPlot.render(title + ": RSS and file descriptors of the proxy",
                    List.copyOf(sampler.samples), warmUpSeconds), StandardCharsets.UTF_8);
        }
    }

    static String fmt(double v) {
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%,d", (long) v) : String.format(Locale.ROOT, "%.3f", v);
    }

    static String bytes(long n) {
        return String.format(Locale.ROOT, "%,d B (%.1f GiB)", n, n / (1024.0 * 1024 * 1024));
    }
}
