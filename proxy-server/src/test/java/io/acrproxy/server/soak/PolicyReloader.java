package io.acrproxy.server.soak;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A reload at every tick, in a cycle of four: an unrelated edit, the removal of the revocable host, another
 * unrelated edit, and the host back. After an unrelated edit every revocable tunnel must still answer; after the
 * removal every one of them must be closed by the proxy (the other workloads, running meanwhile, must see nothing).
 */
final class PolicyReloader {
    private final SoakConfig config;
    private final AdminClient admin;
    private final HeldTunnels revocable;
    private final int revocableCount;
    private final AtomicInteger edits = new AtomicInteger();
    private boolean revocableAllowed = true;
    final AtomicLong reloads = new AtomicLong();
    final AtomicLong removals = new AtomicLong();

    PolicyReloader(SoakConfig config, AdminClient admin, HeldTunnels revocable, int revocableCount) {
        this.config = config;
        this.admin = admin;
        this.revocable = revocable;
        this.revocableCount = revocableCount;
    }

    /** One tick of the cycle; runs on a single scheduler thread. */
    void tick() throws Exception {
        int step = edits.incrementAndGet();
        switch (step % 4) {
            case 1, 3 -> {
                reload(revocableAllowed, step);
                revocable.checkAlive("after an unrelated reload");
            }
            case 2 -> {
                revocableAllowed = false;
                reload(false, step);
                removals.incrementAndGet();
                revocable.expectAllRevoked();
            }
            default -> {
                revocableAllowed = true;
                reload(true, step);
                revocable.open(revocableCount);
            }
        }
    }

    /** Writes the file and waits until the proxy has loaded it (its reload counter moved). */
    private void reload(boolean allowRevocable, int edit) throws Exception {
        double before = successes();
        config.write(allowRevocable, edit);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> successes() > before);
        reloads.incrementAndGet();
    }

    private double successes() throws Exception {
        return admin.metrics().sum("acrproxy_policy_reloads_total", "source", "config", "result", "success");
    }
}
