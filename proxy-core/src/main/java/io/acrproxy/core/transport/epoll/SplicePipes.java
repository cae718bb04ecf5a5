package io.acrproxy.core.transport.epoll;

import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pipes the splice relay may hold at once ({@code relay.maxSplicePipes}); each is two file descriptors and up to
 * 64 KiB of kernel memory. A direction that finds none left goes on copying. One instance per proxy, shared by all of
 * its event loops.
 */
public final class SplicePipes {
    /**
     * 1,024 pipes of 64 KiB are the 64 MiB that Linux lets an unprivileged user hold in pipes
     * ({@code fs.pipe-user-pages-soft}, 16,384 pages); beyond that the kernel hands out pipes of two pages, which
     * move 8 KiB per call. It also bounds the descriptors the pipes take (2,048).
     */
    public static final int DEFAULT_MAX = 1024;

    private final int max;
    private final AtomicInteger open = new AtomicInteger();

    /** @param max pipes open at once; 0 means no direction is ever spliced */
    public SplicePipes(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("max: " + max + " (expected: >= 0)");
        }
        this.max = max;
    }

    public int max() {
        return max;
    }

    /** Pipes open now. */
    public int open() {
        return open.get();
    }

    /** A new non-blocking pipe, {@code [read end, write end]}; give it back with {@link #close}. */
    FileDescriptor[] take() throws IOException {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            throw new IOException(max + " splice pipes are open already (relay.maxSplicePipes)");
        }
        try {
            return FileDescriptor.pipe();
        } catch (IOException | RuntimeException e) {
            open.decrementAndGet();
            throw e;
        }
    }

    /** Closes both ends of a pipe from {@link #take}. */
    void close(FileDescriptor[] pipe) {
        open.decrementAndGet();
        for (FileDescriptor end : pipe) {
            try {
                end.close();
            } catch (IOException ignored) {
                // closing a pipe end fails only when it is closed already
            }
        }
    }
}
