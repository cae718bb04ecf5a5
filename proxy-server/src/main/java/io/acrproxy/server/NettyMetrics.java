package io.acrproxy.server;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.SingleThreadEventExecutor;

/**
 * Netty's allocator and event-loop gauges, with help texts. Micrometer's own Netty binders register theirs
 * without descriptions, which {@code promtool check metrics} reports as lint; these cover the same ground.
 * Labels are bounded: the memory type, and the worker loop's index (as many as there are event loops).
 */
final class NettyMetrics {
    private NettyMetrics() {
    }

    static void bind(MeterRegistry registry, PooledByteBufAllocator allocator, EventLoopGroup workers) {
        PooledByteBufAllocatorMetric m = allocator.metric();
        Gauge.builder("netty.allocator.memory.used", m, PooledByteBufAllocatorMetric::usedDirectMemory).tag("memory_type", "direct")
                .baseUnit("bytes").description("Memory the pooled allocator has taken from the system").register(registry);
        Gauge.builder("netty.allocator.memory.used", m, PooledByteBufAllocatorMetric::usedHeapMemory).tag("memory_type", "heap")
                .baseUnit("bytes").description("Memory the pooled allocator has taken from the system").register(registry);
        Gauge.builder("netty.allocator.memory.pinned", allocator, PooledByteBufAllocator::pinnedDirectMemory).tag("memory_type", "direct")
                .baseUnit("bytes").description("Pooled memory held by buffers in use").register(registry);
        Gauge.builder("netty.allocator.memory.pinned", allocator, PooledByteBufAllocator::pinnedHeapMemory).tag("memory_type", "heap")
                .baseUnit("bytes").description("Pooled memory held by buffers in use").register(registry);
        int index = 0;
        for (EventExecutor loop : workers) {
            if (loop instanceof SingleThreadEventExecutor single) {
                Gauge.builder("netty.eventloop.tasks.pending", single, SingleThreadEventExecutor::pendingTasks)
                        .tag("loop", String.valueOf(index))
                        .description("Tasks queued on a worker event loop; a growing queue means the loop is overloaded")
                        .register(registry);
            }
            index++;
        }
    }
}
