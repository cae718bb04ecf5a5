package io.acrproxy.core.accept;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * {@code limits.maxMemoryPercent} (design §2.1, §12): new connections are refused while the heap that is still in use
 * after the last garbage collection is above that share of its maximum (the check can also judge direct memory, which
 * {@link #ofThisJvm} leaves out, see there). Open tunnels are
 * never touched; the check only keeps new work out, so that the proxy answers {@code 503} instead of collecting garbage
 * back to back.
 *
 * <p>The heap is judged by what survives a collection, not by what is in use now: in use now includes garbage that the
 * next young collection frees, and would refuse connections on a healthy proxy every few seconds. The figure comes from
 * the collectors' notifications, so a check is two volatile reads and costs nothing per connection. A proxy that
 * refuses allocates next to nothing, so the figure could stay stale long after the tunnels that filled the heap are
 * gone; while it refuses for want of heap it therefore asks for a collection, off the event loops and at most once
 * every {@link #COLLECTION_INTERVAL}, to learn when it may admit again.
 */
public final class MemoryGuard {
    /** What is short, if anything. */
    public enum Shortage {
        NONE(null),
        HEAP("heap"),
        DIRECT("direct memory");

        private final String resource;

        Shortage(String resource) {
            this.resource = resource;
        }

        /** The resource's name in answers and log lines. */
        public String resource() {
            return resource;
        }
    }

    /** A guard that never refuses, for tests and for {@code limits.maxMemoryPercent: 100}. */
    public static final MemoryGuard NEVER = new MemoryGuard(100, () -> 0, 1, () -> 0, 1);

    /** How often a guard that refuses for want of heap asks for a collection. */
    static final Duration COLLECTION_INTERVAL = Duration.ofSeconds(5);

    private final int maxPercent;
    private final LongSupplier heapAfterGc;
    private final long heapMax;
    private final LongSupplier directUsed;
    private final long directMax;
    private final Runnable collect;
    private final LongSupplier nanoClock;
    private final AtomicLong lastCollectionAsked = new AtomicLong();
    private volatile boolean collectionAsked;

    MemoryGuard(int maxPercent, LongSupplier heapAfterGc, long heapMax, LongSupplier directUsed, long directMax) {
        this(maxPercent, heapAfterGc, heapMax, directUsed, directMax, () -> { }, System::nanoTime);
    }

    /**
     * @param maxPercent  refuse above this share of either maximum; 100 never refuses
     * @param heapAfterGc bytes of heap in use after the last collection
     * @param directUsed  bytes of direct memory in use now
     * @param collect     asks for a garbage collection without waiting for it
     */
    MemoryGuard(int maxPercent, LongSupplier heapAfterGc, long heapMax, LongSupplier directUsed, long directMax,
            Runnable collect, LongSupplier nanoClock) {
        if (maxPercent < 1 || maxPercent > 100) {
            throw new IllegalArgumentException("maxPercent: " + maxPercent + " (expected: 1 to 100)");
        }
        this.maxPercent = maxPercent;
        this.heapAfterGc = heapAfterGc;
        this.heapMax = heapMax;
        this.directUsed = directUsed;
        this.directMax = directMax;
        this.collect = collect;
        this.nanoClock = nanoClock;
    }

    /** A guard over this JVM's heap and direct memory. */
    public static MemoryGuard ofThisJvm(int maxPercent) {
        if (maxPercent >= 100) {
            return NEVER;
        }
        long heapMax = Runtime.getRuntime().maxMemory();
        // Direct memory is not judged at admission: Netty 4.2's adaptive allocator keeps the 2 MiB chunks it took, so
        // the figure stays high after the buffers are released, and a proxy that refused above it would refuse for good
        // after one burst of slow readers (seen in CI). Running out of it ends cleanly instead (design §2.1).
        return new MemoryGuard(maxPercent, HeapAfterGc.watch(), heapMax, () -> 0, 1,
                MemoryGuard::collectInTheBackground, System::nanoTime);
    }

    /** What is short now; {@link Shortage#NONE} lets a connection in. */
    public Shortage shortage() {
        if (maxPercent >= 100) {
            return Shortage.NONE;
        }
        if (above(heapAfterGc.getAsLong(), heapMax)) {
            askForACollection();
            return Shortage.HEAP;
        }
        if (above(directUsed.getAsLong(), directMax)) {
            return Shortage.DIRECT;
        }
        return Shortage.NONE;
    }

    public int maxPercent() {
        return maxPercent;
    }

    /** The share of {@code shortage}'s maximum in use, in percent, for the answer and the log. */
    public long percentInUse(Shortage shortage) {
        return switch (shortage) {
            case HEAP -> percent(heapAfterGc.getAsLong(), heapMax);
            case DIRECT -> percent(directUsed.getAsLong(), directMax);
            case NONE -> 0;
        };
    }

    private void askForACollection() {
        long now = nanoClock.getAsLong();
        long last = lastCollectionAsked.get();
        if ((!collectionAsked || now - last >= COLLECTION_INTERVAL.toNanos()) && lastCollectionAsked.compareAndSet(last, now)) {
            collectionAsked = true;
            collect.run();
        }
    }

    /**
     * {@code System.gc()} on a short-lived daemon thread: it blocks its caller until the collection ends, which an event
     * loop must never do.
     */
    private static void collectInTheBackground() {
        Thread t = new Thread(System::gc, "memory-guard-gc");
        t.setDaemon(true);
        t.start();
    }

    private boolean above(long used, long max) {
        // used * 100 > max * maxPercent, without the division's rounding; both stay far from overflow (bytes < 2^50).
        return max > 0 && used * 100 > max * maxPercent;
    }

    private static long percent(long used, long max) {
        return max <= 0 ? 0 : used * 100 / max;
    }


    /** The heap in use after the most recent collection of any collector, from their notifications. */
    static final class HeapAfterGc implements LongSupplier {
        private final AtomicLong bytes = new AtomicLong();
        private final Set<String> heapPools;

        private HeapAfterGc(Set<String> heapPools) {
            this.heapPools = heapPools;
        }

        static HeapAfterGc watch() {
            Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(pool -> pool.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName)
                    .collect(Collectors.toUnmodifiableSet());
            HeapAfterGc watcher = new HeapAfterGc(heapPools);
            for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (collector instanceof NotificationEmitter emitter) {
                    emitter.addNotificationListener((notification, handback) -> {
                        if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                            watcher.collected(GarbageCollectionNotificationInfo
                                    .from((CompositeData) notification.getUserData()).getGcInfo().getMemoryUsageAfterGc());
                        }
                    }, null, null);
                }
            }
            return watcher;
        }

        void collected(Map<String, MemoryUsage> afterGc) {
            long used = 0;
            for (Map.Entry<String, MemoryUsage> pool : afterGc.entrySet()) {
                if (heapPools.contains(pool.getKey())) {
                    used += pool.getValue().getUsed();
                }
            }
            bytes.set(used);
        }

        @Override
        public long getAsLong() {
            return bytes.get();
        }
    }
}
