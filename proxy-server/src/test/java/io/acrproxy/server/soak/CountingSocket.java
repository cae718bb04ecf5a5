package io.acrproxy.server.soak;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client socket that counts the bytes that cross it, TLS records included: the proxy counts a tunnel's bytes as
 * it reads them off the wire, so that is what its metrics and access log must agree with. A TLS socket layered
 * over this one reads and writes through these streams.
 */
final class CountingSocket extends Socket {
    final AtomicLong read = new AtomicLong();
    final AtomicLong written = new AtomicLong();
    private InputStream in;
    private OutputStream out;

    @Override
    public synchronized InputStream getInputStream() throws IOException {
        if (in == null) {
            in = new FilterInputStream(super.getInputStream()) {
                @Override
                public int read() throws IOException {
                    int b = super.read();
                    if (b >= 0) {
                        read.incrementAndGet();
                    }
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n > 0) {
                        read.addAndGet(n);
                    }
                    return n;
                }
            };
        }
        return in;
    }

    @Override
    public synchronized OutputStream getOutputStream() throws IOException {
        if (out == null) {
            OutputStream raw = super.getOutputStream();
            out = new FilterOutputStream(raw) {
                @Override
                public void write(int b) throws IOException {
                    raw.write(b);
                    written.incrementAndGet();
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    raw.write(b, off, len);
                    written.addAndGet(len);
                }
            };
        }
        return out;
    }
}
