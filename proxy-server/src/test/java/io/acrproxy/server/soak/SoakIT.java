package io.acrproxy.server.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.acrproxy.server.RepositoryRoot;
import io.acrproxy.server.it.JarProcess;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak (issue 17): the jar in its own process, for {@code -Dsoak.duration} (default 3 minutes), under a mixed
 * workload against loopback TLS origins with every byte checked, injected faults, ~2,000 idle tunnels recycled and
 * a policy reload every 20 s. It fails on any corrupted transfer, any failure no fault explains, file descriptors
 * not back to their baseline, RSS above 1.5 x its warm-up value, a Netty leak report, {@code /healthz} not
 * answering 200, or metrics that disagree with what the clients saw. The report, samples and plot go to
 * {@code proxy-server/target/soak/}; docs/reliability.md explains the rules.
 */
class SoakIT {
    /** The production JVM options (docker/Dockerfile), plus paranoid leak detection and a pre-touched heap (see docs). */
    private static final String[] JVM_OPTIONS = {"-Xms256m", "-Xmx256m", "-XX:+UseG1GC", "-XX:MaxDirectMemorySize=256m",
            "-Dio.netty.allocator.lowMemory=false", "-XX:+ExitOnOutOfMemoryError", "-XX:+AlwaysPreTouch",
            "-Dio.netty.leakDetection.level=paranoid"};
    private static final long HELLO_TIMEOUT_MILLIS = 2000;
    private static final int REVOCABLE_TUNNELS = 16;
    private static final int WORKERS = 4;
    private static final Duration RELOAD_EVERY = Duration.ofSeconds(20);
    /** File descriptors the proxy may hold beyond its baseline after the run; see docs/reliability.md. */
    private static final int FD_SLACK = 0;

    private static final Map<Kind, Integer> WEIGHTS = Map.ofEntries(
            Map.entry(Kind.DOWNLOAD, 18), Map.entry(Kind.UPLOAD, 10), Map.entry(Kind.HALF_CLOSE_UPLOAD, 8),
            Map.entry(Kind.ECHO, 8), Map.entry(Kind.SLOW_READER, 3), Map.entry(Kind.DNS_RESOLVED, 5),
            Map.entry(Kind.CLIENT_RESET, 4), Map.entry(Kind.UPSTREAM_RESET, 4), Map.entry(Kind.UPSTREAM_STALL, 2),
            Map.entry(Kind.HELLO_STALL, 2), Map.entry(Kind.NO_HELLO, 2), Map.entry(Kind.GARBAGE_CONNECT, 5),
            Map.entry(Kind.DENIED_CONNECT, 5), Map.entry(Kind.DNS_NXDOMAIN, 3), Map.entry(Kind.DNS_TIMEOUT, 2));

    @TempDir
    Path dir;

    @Test
    void mixedWorkloadWithFaultsKeepsEveryByteAndReturnsToBaseline() throws Exception {
        Duration duration = Duration.parse(System.getProperty("soak.duration", "PT3M"));
        int idleTunnels = Integer.getInteger("soak.idleTunnels", 2000);
        Duration warmUp = Duration.ofSeconds(Math.max(30, Math.min(120, duration.toSeconds() / 4)));
        Duration sampleEvery = duration.compareTo(Duration.ofMinutes(5)) <= 0 ? Duration.ofSeconds(2) : Duration.ofSeconds(5);
        Path out = RepositoryRoot.find().resolve("proxy-server/target/soak");
        SoakReport report = new SoakReport("Soak, " + duration.toString().substring(2).toLowerCase(Locale.ROOT));

        SoakTls tls = SoakTls.create(dir, SoakHosts.DATA, SoakHosts.IDLE, SoakHosts.REVOCABLE, SoakHosts.DNS_OK);
        java.util.Set<Integer> ports = new java.util.HashSet<>();
        try (SoakOrigin data = origin(SoakHosts.DATA_ADDRESS, tls, ports);
             SoakOrigin idleOrigin = origin(SoakHosts.IDLE_ADDRESS, tls, ports);
             SoakOrigin revocableOrigin = origin(SoakHosts.REVOCABLE_ADDRESS, tls, ports);
             SoakOrigin dnsOrigin = origin(SoakHosts.DNS_OK_ADDRESS, tls, ports);
             SoakDns dns = new SoakDns(SoakHosts.DNS_SERVER_ADDRESS,
                     Map.of(SoakHosts.DNS_OK, InetAddress.getByName(SoakHosts.DNS_OK_ADDRESS).getAddress()))) {
            SoakHosts hosts = new SoakHosts(data.port(), idleOrigin.port(), revocableOrigin.port(), dnsOrigin.port());
            int port = JarProcess.freePort();
            int adminPort = JarProcess.freePort();
            SoakConfig config = new SoakConfig(dir.resolve("soak.yaml"), port, adminPort, hosts, dns.serverEntry(), HELLO_TIMEOUT_MILLIS);
            config.write(true, 0);
            InetSocketAddress proxy = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port);
            AdminClient admin = new AdminClient(adminPort);

            JarProcess jar = JarProcess.run(config.file(), JVM_OPTIONS);
            Ledger ledger = new Ledger();
            Sampler sampler;
            AccessLogCheck log;
            long warmRss;
            int baselineFds;
            try (jar) {
                ProcessProbe probe = new ProcessProbe(jar.pid());

                // Priming: every kind a few times, so that what the proxy opens once and keeps (a DNS socket per event
                // loop, JIT, pools) is open before the baseline; then quiet.
                Workloads primer = new Workloads(proxy, tls.client, hosts, new Ledger(), HELLO_TIMEOUT_MILLIS);
                for (int i = 0; i < 12; i++) {
                    for (Kind k : WEIGHTS.keySet()) {
                        boolean lookup = k == Kind.DNS_RESOLVED || k == Kind.DNS_NXDOMAIN || k == Kind.DNS_TIMEOUT;
                        if (lookup || i < 2) { // a DNS socket is opened per event loop: enough lookups to reach every loop
                            primer.run(k);
                        }
                    }
                }
                awaitQuiet(admin, data, idleOrigin, revocableOrigin, dnsOrigin);
                baselineFds = probe.fds();
                String baselineFdKinds = probe.describeFds();
                AdminClient.Metrics before = admin.metrics();
                Instant windowStart = Instant.now();

                Workloads workloads = new Workloads(proxy, tls.client, hosts, ledger, HELLO_TIMEOUT_MILLIS);
                HeldTunnels idle = new HeldTunnels(proxy, tls.client, ledger, Kind.IDLE, SoakHosts.IDLE, hosts.idlePort(),
                        sources("127.0.1.", 4));
                HeldTunnels revocable = new HeldTunnels(proxy, tls.client, ledger, Kind.REVOCABLE, SoakHosts.REVOCABLE,
                        hosts.revocablePort(), sources("127.0.2.", 1));
                PolicyReloader reloader = new PolicyReloader(config, admin, revocable, REVOCABLE_TUNNELS);
                sampler = new Sampler(admin, probe, idle);
                AtomicReference<Throwable> background = new AtomicReference<>();
                AtomicLong warmRssKib = new AtomicLong();

                long deadline = System.nanoTime() + duration.toNanos();
                ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(3);
                ExecutorService workers = Executors.newFixedThreadPool(WORKERS + 1);
                try {
                    revocable.open(REVOCABLE_TUNNELS);
                    scheduler.scheduleAtFixedRate(sampler::sample, 0, sampleEvery.toMillis(), TimeUnit.MILLISECONDS);
                    scheduler.scheduleWithFixedDelay(guard(background, reloader::tick), RELOAD_EVERY.toMillis(),
                            RELOAD_EVERY.toMillis(), TimeUnit.MILLISECONDS);
                    scheduler.schedule(guard(background, () -> warmRssKib.set(probe.rssKib())), warmUp.toMillis(), TimeUnit.MILLISECONDS);
                    // The idle tunnels: opened, then every 5 s the oldest twentieth closed (each after a PING) and reopened.
                    Future<?> idleLoop = workers.submit(guard(background, () -> {
                        idle.open(idleTunnels);
                        while (System.nanoTime() < deadline) {
                            long next = System.nanoTime() + 5_000_000_000L;
                            int slice = Math.max(1, idleTunnels / 20);
                            idle.recycle(slice);
                            idle.open(slice);
                            LockSupportPacing.until(Math.min(next, deadline)); // pacing the recycling
                        }
                    }));
                    List<Future<?>> running = new ArrayList<>(List.of(idleLoop));
                    for (int w = 0; w < WORKERS; w++) {
                        running.add(workers.submit(() -> {
                            while (System.nanoTime() < deadline) {
                                workloads.run(pick());
                            }
                        }));
                    }
                    for (Future<?> f : running) {
                        f.get(duration.toSeconds() + 300, TimeUnit.SECONDS);
                    }
                } finally {
                    scheduler.shutdown();
                    assertThat(scheduler.awaitTermination(60, TimeUnit.SECONDS)).as("the reloader's last tick ends").isTrue();
                    workers.shutdownNow();
                }
                if (background.get() != null) {
                    throw new AssertionError("a background task of the soak failed", background.get());
                }
                idle.closeAll();
                revocable.closeAll();
                sampler.sample();

                awaitQuiet(admin, data, idleOrigin, revocableOrigin, dnsOrigin);
                int fdLimit = baselineFds + FD_SLACK;
                try {
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> probe.fds() <= fdLimit);
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    report.notes.add("file descriptors at the baseline: " + baselineFdKinds.replace("\n", "; "));
                    report.notes.add("file descriptors at the end: " + probe.describeFds().replace("\n", "; "));
                }
                int endFds = probe.fds();
                long endRss = probe.rssKib();
                warmRss = warmRssKib.get();
                sampler.sample();
                AdminClient.Metrics after = admin.metrics();
                long expectedLines = ledger.connections.get();
                try {
                    await().atMost(Duration.ofSeconds(15)).until(() -> new AccessLogCheck(jar.stdout, windowStart).lines.size() >= expectedLines);
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    report.notes.add("fewer access-log lines than connections after 15 s");
                }
                log = new AccessLogCheck(jar.stdout, windowStart);
                log.match(ledger.ended);

                report.check("no corrupted transfer", ledger.count(Outcome.CORRUPTED) + " corrupted", ledger.count(Outcome.CORRUPTED) == 0);
                report.check("no failure without an injected fault or revocation", ledger.count(Outcome.UNEXPECTED) + " unexpected",
                        ledger.count(Outcome.UNEXPECTED) == 0);
                report.check("file descriptors back to the baseline (+" + FD_SLACK + ")",
                        "baseline " + baselineFds + ", end " + endFds, endFds <= fdLimit);
                report.check("RSS after the run <= 1.5 x RSS after warm-up",
                        String.format(Locale.ROOT, "warm-up %.1f MiB, end %.1f MiB (x %.2f)", warmRss / 1024.0, endRss / 1024.0,
                                warmRss == 0 ? Double.NaN : (double) endRss / warmRss), warmRss > 0 && endRss <= 1.5 * warmRss);
                report.check("/healthz answered 200 at every sample", sampler.samples.size() + " samples, "
                        + sampler.healthFailures.size() + " failures", sampler.healthFailures.isEmpty());
                report.check("CONNECT latency recorded", String.format(Locale.ROOT, "p50 %.2f ms, p99 %.2f ms over %d CONNECTs",
                        ledger.connectMillis(50), ledger.connectMillis(99), ledger.connectSamples()), ledger.connectSamples() > 0);
                report.check("one access-log line per connection, clean tunnels' bytes and ends and revocations as the clients saw",
                        log.lines.size() + " lines, " + expectedLines + " connections, " + log.matched + " paired, "
                                + log.problemCount + " problems", log.problemCount == 0 && log.lines.size() == expectedLines);
                report.check("the policy reloaded every 20 s, the revocable host removed and restored",
                        reloader.reloads.get() + " reloads, " + reloader.removals.get() + " removals", reloader.removals.get() > 0);
                report.check("idle tunnels held", String.format(Locale.ROOT, "%d idle tunnels, %d closed in order and reopened",
                        idleTunnels, ledger.count(Kind.IDLE, Outcome.OK)), ledger.count(Kind.IDLE, Outcome.OK) >= idleTunnels);
                compareMetrics(report, before, after, ledger, log);
            } // SIGTERM: the proxy drains and stops
            List<String> leaks = jar.stderr.stream().filter(l -> l.contains("LEAK:")).toList();
            report.check("no Netty leak report (paranoid detection)", leaks.size() + " LEAK lines", leaks.isEmpty());
            report.check("the proxy exits 143 on SIGTERM", "exit " + jar.process.exitValue(), jar.process.exitValue() == 143);
            report.write(out, ledger, sampler, log, warmUp.toSeconds());
            List<String> examples = new ArrayList<>(ledger.failureExamples());
            examples.addAll(log.problems);
            assertThat(report.failed()).as("soak rules broken (report in proxy-server/target/soak/report.md); examples:%n%s",
                    String.join("\n", examples)).isEmpty();
        }
    }

    private static void compareMetrics(SoakReport report, AdminClient.Metrics before, AdminClient.Metrics after, Ledger ledger,
                                       AccessLogCheck log) {
        long helloFaults = ledger.count(Kind.HELLO_STALL, Outcome.EXPECTED_FAILURE) + ledger.count(Kind.NO_HELLO, Outcome.EXPECTED_FAILURE);
        long denied = ledger.count(Kind.DENIED_CONNECT, Outcome.EXPECTED_FAILURE);
        long garbage = ledger.count(Kind.GARBAGE_CONNECT, Outcome.EXPECTED_FAILURE);
        long nx = ledger.count(Kind.DNS_NXDOMAIN, Outcome.EXPECTED_FAILURE);
        long silent = ledger.count(Kind.DNS_TIMEOUT, Outcome.EXPECTED_FAILURE);
        report.compare("acrproxy_requests_total{result=\"allowed\"} (CONNECTs answered 200, less refused ClientHellos)",
                delta(before, after, "acrproxy_requests_total", "result", "allowed"), ledger.established.get() - helloFaults);
        report.compare("acrproxy_requests_total{result=\"denied\"}", delta(before, after, "acrproxy_requests_total", "result", "denied"),
                denied + garbage + helloFaults);
        report.compare("acrproxy_requests_total{result=\"failed\"}", delta(before, after, "acrproxy_requests_total", "result", "failed"),
                nx + silent);
        report.compare("acrproxy_denied_requests_total{reason=\"host_not_allowed\"|\"port_not_allowed\"}",
                delta(before, after, "acrproxy_denied_requests_total", "reason", "host_not_allowed")
                        + delta(before, after, "acrproxy_denied_requests_total", "reason", "port_not_allowed"), denied);
        report.compare("acrproxy_denied_requests_total{reason=\"malformed_request\"}",
                delta(before, after, "acrproxy_denied_requests_total", "reason", "malformed_request"), garbage);
        report.compare("acrproxy_denied_requests_total{reason=\"client_hello_timeout\"}",
                delta(before, after, "acrproxy_denied_requests_total", "reason", "client_hello_timeout"), helloFaults);
        report.compare("acrproxy_upstream_failures_total{reason=\"dns_error\"}",
                delta(before, after, "acrproxy_upstream_failures_total", "reason", "dns_error"), nx);
        report.compare("acrproxy_upstream_failures_total{reason=\"dns_timeout\"}",
                delta(before, after, "acrproxy_upstream_failures_total", "reason", "dns_timeout"), silent);
        report.compare("acrproxy_tunnels_revoked_total", delta(before, after, "acrproxy_tunnels_revoked_total"),
                ledger.count(Outcome.REVOKED));
        report.compare("acrproxy_tunnel_duration_seconds_count (tunnels relayed)",
                delta(before, after, "acrproxy_tunnel_duration_seconds_count"), ledger.established.get() - helloFaults);
        report.compare("acrproxy_connections_ended_total (all ends)", delta(before, after, "acrproxy_connections_ended_total"),
                ledger.connections.get());
        report.compare("acrproxy_tunnel_bytes_total{direction=\"upstream\"} vs the access log's bytes_up",
                delta(before, after, "acrproxy_tunnel_bytes_total", "direction", "upstream"), log.bytesUp);
        report.compare("acrproxy_tunnel_bytes_total{direction=\"downstream\"} vs the access log's bytes_down",
                delta(before, after, "acrproxy_tunnel_bytes_total", "direction", "downstream"), log.bytesDown);
        report.notes.add(String.format(Locale.ROOT, "client wire bytes of every established tunnel, faulted ones included: %,d up, "
                        + "%,d down; the proxy's: %,.0f up, %,.0f down (they may differ only by what a reset or the client's "
                        + "own abort dropped: clean tunnels are compared one by one through the access log)",
                ledger.wireUp.sum(), ledger.wireDown.sum(),
                delta(before, after, "acrproxy_tunnel_bytes_total", "direction", "upstream"),
                delta(before, after, "acrproxy_tunnel_bytes_total", "direction", "downstream")));
    }

    private static double delta(AdminClient.Metrics before, AdminClient.Metrics after, String name, String... labels) {
        return after.sum(name, labels) - before.sum(name, labels);
    }

    private static void awaitQuiet(AdminClient admin, SoakOrigin... origins) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            AdminClient.Metrics m = admin.metrics();
            int open = 0;
            for (SoakOrigin o : origins) {
                open += o.openConnections();
            }
            return m.sum("acrproxy_connections_active") == 0 && m.sum("acrproxy_tunnels_active") == 0 && open == 0;
        });
    }

    /**
     * An origin on an ephemeral port no other origin has: the config lists the four ports once each, and origins on
     * distinct addresses may well be given the same port.
     */
    private static SoakOrigin origin(String address, SoakTls tls, java.util.Set<Integer> taken) throws java.io.IOException {
        while (true) {
            SoakOrigin o = new SoakOrigin(address, tls.server);
            if (taken.add(o.port())) {
                return o;
            }
            o.close();
        }
    }

    private static Kind pick() {
        int total = WEIGHTS.values().stream().mapToInt(Integer::intValue).sum();
        int r = ThreadLocalRandom.current().nextInt(total);
        for (Map.Entry<Kind, Integer> e : WEIGHTS.entrySet()) {
            r -= e.getValue();
            if (r < 0) {
                return e.getKey();
            }
        }
        throw new IllegalStateException();
    }

    private static List<InetAddress> sources(String prefix, int n) throws java.net.UnknownHostException {
        List<InetAddress> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(InetAddress.getByName(prefix + i));
        }
        return out;
    }

    interface Task {
        void run() throws Exception;
    }

    /** A background task whose first failure is kept for the test to rethrow. */
    private static Runnable guard(AtomicReference<Throwable> failure, Task task) {
        return () -> {
            try {
                task.run();
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        };
    }
}
