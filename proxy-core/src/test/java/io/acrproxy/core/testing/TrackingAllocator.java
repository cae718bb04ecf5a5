package io.acrproxy.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An allocator that remembers every buffer it hands out, so a test can assert that all of them were
 * released and see how many bytes are held at a given moment. Paranoid leak detection only reports
 * leaks that the garbage collector happens to find; this makes a missing release fail the test at once.
 */
public final class TrackingAllocator extends AbstractByteBufAllocator {
    private final List<ByteBuf> allocated = new ArrayList<>();

    public TrackingAllocator() {
        super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf buf = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
        allocated.add(buf);
        return buf;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return newHeapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    /** A new tracked buffer holding {@code text} as ISO-8859-1 bytes (every char below 256 is one byte). */
    public ByteBuf bytes(String text) {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        return buffer(b.length).writeBytes(b);
    }

    /** Readable bytes of all buffers not yet released: what the code under test still holds. */
    public long liveReadableBytes() {
        long sum = 0;
        for (ByteBuf buf : allocated) {
            if (buf.refCnt() > 0) {
                sum += buf.readableBytes();
            }
        }
        return sum;
    }

    public void assertAllReleased() {
        for (ByteBuf buf : allocated) {
            assertThat(buf.refCnt()).as("reference count of %s", buf).isZero();
        }
    }
}
