package io.acrproxy.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test that leaves a ByteBuf unreleased: after each test, collect garbage, let Netty's detector
 * look at what was collected, and assert it found nothing. Leaks found before the test (another class's)
 * are dropped first so that each test answers for its own.
 */
public final class NoLeaks implements BeforeEachCallback, AfterEachCallback {
    /** A few collections: a buffer's tracker can survive one while something still held the buffer. */
    private static final int ROUNDS = 3;
    private static final long SENTINEL_WAIT_MILLIS = 2_000;

    @Override
    public void beforeEach(ExtensionContext context) throws InterruptedException {
        collect();
        RecordingLeakDetector.drain();
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        assertThat(RecordingLeakDetector.installed())
                .as("-Dio.netty.customResourceLeakDetector=%s (set in proxy-core's pom)",
                        RecordingLeakDetector.class.getName())
                .isTrue();
        collect();
        assertThat(RecordingLeakDetector.drain()).as("leaked buffers").isEmpty();
    }

    private static void collect() throws InterruptedException {
        for (int i = 0; i < ROUNDS; i++) {
            // The JVM enqueues collected references on its own thread; once a sentinel from the same
            // collection is enqueued, so are the leak trackers, and no sleeping guess is needed.
            ReferenceQueue<Object> queue = new ReferenceQueue<>();
            WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
            System.gc();
            queue.remove(SENTINEL_WAIT_MILLIS);
            sentinel.clear();
            // Netty checks for collected, unreleased buffers when it tracks a new one.
            ByteBufAllocator alloc = UnpooledByteBufAllocator.DEFAULT;
            alloc.buffer(1).release();
        }
    }
}
