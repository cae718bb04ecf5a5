package io.acrproxy.server.soak;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Every few seconds: {@code /healthz} (status and how long it took), the proxy's tunnels and connections from
 * {@code /metrics}, and its file descriptors and RSS from {@code /proc}.
 */
final class Sampler {
    record Sample(double seconds, long rssKib, int fds, int tunnels, int connections, int heldTunnels, double healthzMillis,
                  int healthzStatus) {
    }

    private final AdminClient admin;
    private final ProcessProbe probe;
    private final HeldTunnels idle;
    private final long start = System.nanoTime();
    final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
    final List<String> healthFailures = Collections.synchronizedList(new ArrayList<>());

    Sampler(AdminClient admin, ProcessProbe probe, HeldTunnels idle) {
        this.admin = admin;
        this.probe = probe;
        this.idle = idle;
    }

    void sample() {
        double seconds = (System.nanoTime() - start) / 1e9;
        long t0 = System.nanoTime();
        int status;
        try {
            AdminClient.Response r = admin.get("/healthz");
            status = r.statusCode();
        } catch (Exception e) {
            status = -1;
            healthFailures.add(String.format("%.1f s: %s", seconds, Workloads.describe(e)));
        }
        double healthMillis = (System.nanoTime() - t0) / 1e6;
        if (status != 200 && status != -1) {
            healthFailures.add(String.format("%.1f s: /healthz answered %d", seconds, status));
        }
        try {
            AdminClient.Metrics m = admin.metrics();
            samples.add(new Sample(seconds, probe.rssKib(), probe.fds(), (int) m.sum("acrproxy_tunnels_active"),
                    (int) m.sum("acrproxy_connections_active"), idle.size(), healthMillis, status));
        } catch (Exception e) {
            healthFailures.add(String.format("%.1f s: sampling failed: %s", seconds, Workloads.describe(e)));
        }
    }

    double healthzMillis(double percentile) {
        List<Double> all;
        synchronized (samples) {
            all = new ArrayList<>(samples.stream().map(Sample::healthzMillis).toList());
        }
        if (all.isEmpty()) {
            return Double.NaN;
        }
        Collections.sort(all);
        return all.get(Math.max(0, (int) Math.ceil(percentile / 100.0 * all.size()) - 1));
    }
}
