package io.acrproxy.core.accept;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.acrproxy.core.accept.MemoryGuard.Shortage;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@code limits.maxMemoryPercent}: which shortage, at which share, and what the collectors report. */
class MemoryGuardTest {
    private final AtomicLong heapAfterGc = new AtomicLong();
    private final AtomicLong direct = new AtomicLong();
    private final AtomicLong queued = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger queueSums = new java.util.concurrent.atomic.AtomicInteger();
    private final AtomicLong now = new AtomicLong();
    private final MemoryGuard.Direct directMemory = new MemoryGuard.Direct(direct::get, () -> {
        queueSums.incrementAndGet();
        return queued.get();
    }, 2000);
    private final MemoryGuard guard = new MemoryGuard(85, heapAfterGc::get, 1000, directMemory, () -> { }, now::get);

    @Test
    void refusesOnlyAboveTheShareOfEitherMaximum() {
        heapAfterGc.set(850);
        direct.set(1700);
        assertThat(guard.shortage()).as("at the share exactly: still admitted").isEqualTo(Shortage.NONE);

        heapAfterGc.set(851);
        assertThat(guard.shortage()).isEqualTo(Shortage.HEAP);
        assertThat(guard.percentInUse(Shortage.HEAP)).isEqualTo(85);

        heapAfterGc.set(100);
        direct.set(1999);
        queued.set(1999);
        assertThat(guard.shortage()).isEqualTo(Shortage.DIRECT);
        assertThat(guard.percentInUse(Shortage.DIRECT)).isEqualTo(99);
        assertThat(guard.inUse(Shortage.DIRECT)).isEqualTo("99% in use, 99% queued toward slow readers");

        direct.set(0);
        assertThat(guard.shortage()).as("recovers as soon as memory is back").isEqualTo(Shortage.NONE);
    }

    /**
     * Netty's adaptive allocator keeps the chunks it took: after a burst of slow readers the direct memory taken stays
     * high while nothing is queued, and that memory is free for new connections. Only memory the tunnels' queues hold
     * (more than half the share) refuses.
     */
    @Test
    void directMemoryKeptForReuseLetsConnectionsInAndMemoryQueuedTowardSlowReadersDoesNot() {
        direct.set(1900);
        queued.set(850);
        assertThat(guard.shortage()).as("queued: half the share exactly").isEqualTo(Shortage.NONE);
        now.addAndGet(MemoryGuard.QUEUED_INTERVAL.toNanos());
        queued.set(851);
        assertThat(guard.shortage()).isEqualTo(Shortage.DIRECT);

        now.addAndGet(MemoryGuard.QUEUED_INTERVAL.toNanos());
        queued.set(0);
        assertThat(guard.shortage()).as("the readers are done; the chunks stay taken").isEqualTo(Shortage.NONE);
    }

    /** Summing the queues is a pass over every tunnel: only while the memory taken is high, and at most every 100 ms. */
    @Test
    void theQueuesAreSummedOnlyWhileDirectMemoryIsHighAndAtMostEveryInterval() {
        queued.set(2000);
        direct.set(1700);
        assertThat(guard.shortage()).isEqualTo(Shortage.NONE);
        assertThat(queueSums).as("not while the memory taken is within the share").hasValue(0);

        direct.set(1800);
        assertThat(guard.shortage()).isEqualTo(Shortage.DIRECT);
        queued.set(0);
        assertThat(guard.shortage()).as("the sum taken 0 ms ago still holds").isEqualTo(Shortage.DIRECT);
        assertThat(queueSums).hasValue(1);
        now.addAndGet(MemoryGuard.QUEUED_INTERVAL.toNanos() - 1);
        assertThat(guard.shortage()).isEqualTo(Shortage.DIRECT);
        now.addAndGet(1);
        assertThat(guard.shortage()).isEqualTo(Shortage.NONE);
        assertThat(queueSums).hasValue(2);
    }

    /** A refusing proxy allocates little: it asks for a collection to learn when the heap is back, once per interval. */
    @Test
    void whileShortOfHeapItAsksForACollectionAtMostEveryFiveSeconds() {
        java.util.concurrent.atomic.AtomicInteger collections = new java.util.concurrent.atomic.AtomicInteger();
        MemoryGuard asking = new MemoryGuard(85, heapAfterGc::get, 1000, directMemory, collections::incrementAndGet,
                now::get);
        assertThat(asking.shortage()).isEqualTo(Shortage.NONE);
        assertThat(collections).as("not while there is heap to spare").hasValue(0);

        heapAfterGc.set(900);
        asking.shortage();
        asking.shortage();
        assertThat(collections).hasValue(1);
        now.addAndGet(java.time.Duration.ofSeconds(5).toNanos());
        asking.shortage();
        assertThat(collections).hasValue(2);

        heapAfterGc.set(100);
        direct.set(1999);
        queued.set(1999);
        now.addAndGet(java.time.Duration.ofSeconds(5).toNanos());
        assertThat(asking.shortage()).isEqualTo(Shortage.DIRECT);
        assertThat(collections).as("a collection does not give back direct memory held by buffers in use").hasValue(2);
    }

    @Test
    void theHeapComesFirstWhenBothAreShort() {
        heapAfterGc.set(1000);
        direct.set(2000);
        queued.set(2000);
        assertThat(guard.shortage()).isEqualTo(Shortage.HEAP);
        assertThat(guard.inUse(Shortage.HEAP)).isEqualTo("100% in use after the last garbage collection");
        assertThat(Shortage.HEAP.resource()).isEqualTo("heap");
        assertThat(Shortage.DIRECT.resource()).isEqualTo("direct memory");
    }

    @Test
    void oneHundredPercentNeverRefuses() {
        MemoryGuard off = new MemoryGuard(100, () -> Long.MAX_VALUE / 200, 1,
                new MemoryGuard.Direct(() -> Long.MAX_VALUE / 200, () -> Long.MAX_VALUE / 200, 1));
        assertThat(off.shortage()).isEqualTo(Shortage.NONE);
        assertThat(MemoryGuard.ofThisJvm(100, () -> 0)).isSameAs(MemoryGuard.NEVER);
        assertThat(MemoryGuard.NEVER.shortage()).isEqualTo(Shortage.NONE);
        assertThatThrownBy(() -> new MemoryGuard(0, () -> 0, 1, MemoryGuard.Direct.NONE))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aHealthyTestJvmIsNotShort() {
        MemoryGuard mine = MemoryGuard.ofThisJvm(85, () -> Long.MAX_VALUE / 200);
        System.gc(); // a collection, so that a figure has been reported
        assertThat(mine.shortage()).isEqualTo(Shortage.NONE);
    }

    /** After a collection the heap in use is the sum over the heap's pools; non-heap pools (metaspace) do not count. */
    @Test
    void theHeapAfterACollectionSumsTheHeapPoolsOnly() {
        MemoryGuard.HeapAfterGc watcher = MemoryGuard.HeapAfterGc.watch();
        Map<String, MemoryUsage> after = new HashMap<>();
        long expected = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            long used = 1_000_000L * (after.size() + 1);
            after.put(pool.getName(), new MemoryUsage(0, used, used, -1));
            if (pool.getType() == MemoryType.HEAP) {
                expected += used;
            }
        }
        watcher.collected(after);
        assertThat(watcher.getAsLong()).isEqualTo(expected).isPositive();
    }
}
