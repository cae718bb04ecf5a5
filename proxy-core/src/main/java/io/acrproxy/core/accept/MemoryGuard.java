package io.acrproxy.core.accept;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.netty.util.internal.PlatformDependent;
import java.lang.management.BufferPoolMXBean;
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
 * after the last garbage collection is above that share of its maximum, or while the direct memory taken is above that
 * share of {@code -XX:MaxDirectMemorySize} and the tunnels' write queues hold at least half of that share. Open tunnels
 * are never touched; the check only keeps new work out, so that the proxy answers {@code 503} instead of collecting
 * garbage back to back (heap) or failing the reads of open tunnels (direct memory: Netty's read buffers are direct).
 *
 * <p>Direct memory needs both figures. The memory taken alone never falls after a burst: Netty 4.2's adaptive allocator
 * keeps the chunks it took for reuse, so a proxy that judged it alone would refuse for good after one burst of slow
 * readers (seen in CI). What the tunnels hold is what they have read and not yet written, queued toward a reader slower
 * than its sender; it falls as soon as the readers are done, and then the chunks kept are free for new connections.
 * The queues are summed over every open tunnel, so that sum is taken only while the memory taken is above the share,
 * and at most every {@link #QUEUED_INTERVAL}.
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

    /**
     * Direct memory as the guard sees it.
     *
     * @param taken  bytes taken from {@code max}: buffers in use and the allocator's chunks kept for reuse
     * @param queued bytes the open tunnels have read and not yet written (their write queues)
     */
    record Direct(LongSupplier taken, LongSupplier queued, long max) {
        static final Direct NONE = new Direct(() -> 0, () -> 0, 1);
    }

    /** A guard that never refuses, for tests and for {@code limits.maxMemoryPercent: 100}. */
    public static final MemoryGuard NEVER = new MemoryGuard(100, () -> 0, 1, Direct.NONE);

    /** How often a guard that refuses for want of heap asks for a collection. */
    static final Duration COLLECTION_INTERVAL = Duration.ofSeconds(5);

    /** How long a sum of the tunnels' write queues is used before it is taken again. */
    static final Duration QUEUED_INTERVAL = Duration.ofMillis(100);

    private final int maxPercent;
    private final LongSupplier heapAfterGc;
    private final long heapMax;
    private final Direct direct;
    private final Runnable collect;
    private final LongSupplier nanoClock;
    private final AtomicLong lastCollectionAsked = new AtomicLong();
    private volatile boolean collectionAsked;
    /** The last sum of the tunnels' write queues and when it was taken; read and written from any event loop. */
    private volatile QueuedSum queuedSum = new QueuedSum(0, 0, false);

    private record QueuedSum(long bytes, long nanos, boolean taken) {
    }

    MemoryGuard(int maxPercent, LongSupplier heapAfterGc, long heapMax, Direct direct) {
        this(maxPercent, heapAfterGc, heapMax, direct, () -> { }, System::nanoTime);
    }

    /**
     * @param maxPercent  refuse above this share of either maximum; 100 never refuses
     * @param heapAfterGc bytes of heap in use after the last collection
     * @param collect     asks for a garbage collection without waiting for it
     */
    MemoryGuard(int maxPercent, LongSupplier heapAfterGc, long heapMax, Direct direct, Runnable collect,
            LongSupplier nanoClock) {
        if (maxPercent < 1 || maxPercent > 100) {
            throw new IllegalArgumentException("maxPercent: " + maxPercent + " (expected: 1 to 100)");
        }
        this.maxPercent = maxPercent;
        this.heapAfterGc = heapAfterGc;
        this.heapMax = heapMax;
        this.direct = direct;
        this.collect = collect;
        this.nanoClock = nanoClock;
    }

    /**
     * A guard over this JVM's heap and direct memory.
     *
     * @param queued bytes the open tunnels have read and not yet written; thread-safe
     */
    public static MemoryGuard ofThisJvm(int maxPercent, LongSupplier queued) {
        if (maxPercent >= 100) {
            return NEVER;
        }
        return new MemoryGuard(maxPercent, HeapAfterGc.watch(), Runtime.getRuntime().maxMemory(),
                new Direct(directMemoryTaken(), queued, PlatformDependent.maxDirectMemory()),
                MemoryGuard::collectInTheBackground, System::nanoTime);
    }

    /**
     * Direct memory taken: what the JDK counts for {@code ByteBuffer.allocateDirect}, which {@code -XX:MaxDirectMemorySize}
     * bounds (Netty 4.2's adaptive allocator takes its chunks that way), plus, when Netty allocates without the JDK's
     * {@code Cleaner}, Netty's own count of that. With the {@code Cleaner} Netty counts the same bytes the JDK does, and
     * adding both would double them (measured).
     */
    private static LongSupplier directMemoryTaken() {
        BufferPoolMXBean pool = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).findFirst().orElse(null);
        boolean nettyBypassesTheJdk = PlatformDependent.useDirectBufferNoCleaner();
        return () -> (pool == null ? 0 : pool.getMemoryUsed())
                + (nettyBypassesTheJdk ? Math.max(0, PlatformDependent.usedDirectMemory()) : 0);
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
        if (above(direct.taken().getAsLong(), direct.max()) && queuedAboveHalfTheShare()) {
            return Shortage.DIRECT;
        }
        return Shortage.NONE;
    }

    /**
     * Whether the tunnels' write queues hold more than half of {@code maxPercent} of the direct maximum: then the memory
     * taken is held toward slow readers, not kept free for reuse, and a new connection's reads could find none.
     */
    private boolean queuedAboveHalfTheShare() {
        return queued() * 200 > direct.max() * maxPercent;
    }

    private long queued() {
        long now = nanoClock.getAsLong();
        QueuedSum last = queuedSum;
        if (last.taken() && now - last.nanos() < QUEUED_INTERVAL.toNanos()) {
            return last.bytes();
        }
        // Two loops may both sum at once; either result is as good, and the work is bounded by the interval.
        long bytes = direct.queued().getAsLong();
        queuedSum = new QueuedSum(bytes, now, true);
        return bytes;
    }

    public int maxPercent() {
        return maxPercent;
    }

    /** The share of {@code shortage}'s maximum in use, in percent, for the answer and the log. */
    long percentInUse(Shortage shortage) {
        return switch (shortage) {
            case HEAP -> percent(heapAfterGc.getAsLong(), heapMax);
            case DIRECT -> percent(direct.taken().getAsLong(), direct.max());
            case NONE -> 0;
        };
    }

    /**
     * What is in use, for the answer and the log: {@code 87% in use after the last garbage collection} (heap) or
     * {@code 87% in use, 80% queued toward slow readers} (direct memory).
     */
    public String inUse(Shortage shortage) {
        return switch (shortage) {
            case HEAP -> percentInUse(shortage) + "% in use after the last garbage collection";
            case DIRECT -> percentInUse(shortage) + "% in use, " + percent(queued(), direct.max())
                    + "% queued toward slow readers";
            case NONE -> "";
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
