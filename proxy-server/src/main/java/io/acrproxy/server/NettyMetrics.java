package io.acrproxy.server;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
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

    /**
     * @param allocator the allocator the channels use: {@code ByteBufAllocator.DEFAULT}, which in Netty 4.2 is the
     *                  adaptive allocator unless {@code -Dio.netty.allocator.type} picks another; the pinned figures
     *                  exist only for the pooled one
     */
    static void bind(MeterRegistry registry, ByteBufAllocator allocator, EventLoopGroup workers) {
        if (allocator instanceof ByteBufAllocatorMetricProvider provider) {
            ByteBufAllocatorMetric m = provider.metric();
            Gauge.builder("netty.allocator.memory.used", m, ByteBufAllocatorMetric::usedDirectMemory).tag("memory_type", "direct")
                    .baseUnit("bytes").description("Memory the buffer allocator has taken from the system").register(registry);
            Gauge.builder("netty.allocator.memory.used", m, ByteBufAllocatorMetric::usedHeapMemory).tag("memory_type", "heap")
                    .baseUnit("bytes").description("Memory the buffer allocator has taken from the system").register(registry);
        }
        if (allocator instanceof PooledByteBufAllocator pooled) {
            Gauge.builder("netty.allocator.memory.pinned", pooled, PooledByteBufAllocator::pinnedDirectMemory).tag("memory_type", "direct")
                    .baseUnit("bytes").description("Pooled memory held by buffers in use").register(registry);
            Gauge.builder("netty.allocator.memory.pinned", pooled, PooledByteBufAllocator::pinnedHeapMemory).tag("memory_type", "heap")
                    .baseUnit("bytes").description("Pooled memory held by buffers in use").register(registry);
        }
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
