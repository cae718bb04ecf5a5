package io.acrproxy.server.soak;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiny UDP name server on loopback for {@code resolver.servers}: A records from a table (RFC 1035 §4.1), an empty
 * answer for other types, silence for names whose first label is {@code silent} (the proxy's {@code dns_timeout}),
 * and NXDOMAIN for everything else (its {@code dns_error}).
 */
final class SoakDns implements AutoCloseable {
    private final DatagramSocket socket;
    private final Map<String, byte[]> table;
    final AtomicLong queries = new AtomicLong();

    SoakDns(String address, Map<String, byte[]> table) throws IOException {
        this.table = table;
        this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(address), 0));
        Thread t = new Thread(this::serve, "soak-dns");
        t.setDaemon(true);
        t.start();
    }

    /** As {@code resolver.servers} names it. */
    String serverEntry() {
        return socket.getLocalAddress().getHostAddress() + ":" + socket.getLocalPort();
    }

    private void serve() {
        byte[] buf = new byte[512];
        while (!socket.isClosed()) {
            DatagramPacket in = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(in);
                queries.incrementAndGet();
                byte[] reply = answer(ByteBuffer.wrap(in.getData(), 0, in.getLength()));
                if (reply != null) {
                    socket.send(new DatagramPacket(reply, reply.length, in.getSocketAddress()));
                }
            } catch (IOException | RuntimeException e) {
                if (socket.isClosed()) {
                    return;
                }
            }
        }
    }

    private byte[] answer(ByteBuffer q) {
        int id = q.getShort(0) & 0xffff;
        int pos = 12;
        StringBuilder name = new StringBuilder();
        while (q.get(pos) != 0) {
            int len = q.get(pos) & 0xff;
            if (name.length() > 0) {
                name.append('.');
            }
            for (int i = 1; i <= len; i++) {
                name.append((char) q.get(pos + i));
            }
            pos += len + 1;
        }
        String host = name.toString().toLowerCase(Locale.ROOT);
        if (host.startsWith("silent")) {
            return null;
        }
        int questionEnd = pos + 5; // the root label, QTYPE, QCLASS
        int qtype = q.getShort(pos + 1) & 0xffff;
        byte[] address = table.get(host);
        boolean known = address != null;
        boolean answerIt = known && qtype == 1;
        ByteBuffer out = ByteBuffer.allocate(questionEnd + (answerIt ? 16 : 0));
        out.putShort((short) id);
        out.putShort((short) (0x8180 | (known ? 0 : 3))); // response, RD, RA; NXDOMAIN when unknown
        out.putShort((short) 1).putShort((short) (answerIt ? 1 : 0)).putShort((short) 0).putShort((short) 0);
        out.put(q.array(), q.arrayOffset() + 12, questionEnd - 12);
        if (answerIt) {
            out.putShort((short) 0xc00c).putShort((short) 1).putShort((short) 1).putInt(60).putShort((short) 4).put(address);
        }
        return out.array();
    }

    @Override
    public void close() {
        socket.close();
    }
}
