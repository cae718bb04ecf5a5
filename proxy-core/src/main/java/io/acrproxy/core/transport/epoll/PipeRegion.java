package io.acrproxy.core.transport.epoll;

import io.netty.channel.FileRegion;
import io.netty.channel.epoll.Native;
import io.netty.util.AbstractReferenceCounted;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;

/**
 * The bytes one splice put into a pipe, written to the target socket as a Netty {@link FileRegion}: it takes its place
 * in the target's outbound buffer like any other write, so the pipe's bytes follow whatever was queued before them,
 * and a shutdown or close that waits for the queue to empty waits for them too.
 *
 * <p>Netty's epoll channel writes a {@code FileRegion} by calling {@link #transferTo} until it has moved
 * {@link #count()} bytes; a return of 0 means the socket is full and Netty waits for {@code EPOLLOUT}, as for a
 * buffer. The {@code WritableByteChannel} Netty passes is not used: the region splices from the pipe straight into
 * the target's socket (splice(2): pipe to socket, in the kernel).
 */
final class PipeRegion extends AbstractReferenceCounted implements FileRegion {
    private final int pipeReadFd;
    private final int targetFd;
    private final long count;
    private long transferred;

    PipeRegion(int pipeReadFd, int targetFd, long count) {
        this.pipeReadFd = pipeReadFd;
        this.targetFd = targetFd;
        this.count = count;
    }

    @Override
    public long position() {
        return 0;
    }

    @Override
    @Deprecated
    public long transfered() {
        return transferred;
    }

    @Override
    public long transferred() {
        return transferred;
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public long transferTo(WritableByteChannel ignored, long position) throws IOException {
        long moved = 0;
        while (transferred < count) {
            int n = Native.splice(pipeReadFd, -1, targetFd, -1, count - transferred);
            if (n == 0) {
                break; // the socket is full (EAGAIN)
            }
            transferred += n;
            moved += n;
        }
        return moved;
    }

    @Override
    public PipeRegion retain() {
        super.retain();
        return this;
    }

    @Override
    public PipeRegion retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public PipeRegion touch() {
        return this;
    }

    @Override
    public PipeRegion touch(Object hint) {
        return this;
    }

    @Override
    protected void deallocate() {
        // The pipe belongs to the Splicer, which closes it once no region is queued.
    }

    @Override
    public String toString() {
        return "PipeRegion(" + transferred + "/" + count + ")";
    }
}
