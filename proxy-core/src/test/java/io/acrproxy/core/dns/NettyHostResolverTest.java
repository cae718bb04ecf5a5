package io.acrproxy.core.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.acrproxy.core.transport.Transport;
import io.acrproxy.policy.Reason;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.Future;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The production resolver against a tiny DNS server on loopback: answers, NXDOMAIN, and silence. */
class NettyHostResolverTest {
    private static final String NAME_IN_HOSTS_FILE = nameInHostsFile();

    private MultiThreadIoEventLoopGroup group;
    private EventLoop loop;
    private FakeDnsServer dns;

    @BeforeEach
    void setUp() throws SocketException, java.net.UnknownHostException {
        group = Transport.NIO.newGroup(1);
        loop = group.next();
        dns = new FakeDnsServer(Map.of("myregistry.azurecr.io", new byte[] {20, 1, 2, 3}, NAME_IN_HOSTS_FILE, new byte[] {20, 9, 9, 9}));
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        dns.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private NettyHostResolver resolver(Duration timeout) {
        return new NettyHostResolver(Transport.NIO, timeout, List.of(dns.address()));
    }

    @Test
    void resolvesThroughTheConfiguredServer() {
        try (NettyHostResolver r = resolver(Duration.ofSeconds(5))) {
            Future<List<InetAddress>> f = r.resolve("myregistry.azurecr.io", loop).awaitUninterruptibly();
            assertThat(f.isSuccess()).as(String.valueOf(f.cause())).isTrue();
            assertThat(f.getNow()).extracting(InetAddress::getHostAddress).containsExactly("20.1.2.3");
        }
    }

    /**
     * With explicit name servers only they answer: the machine's hosts file (which on some machines names a registry)
     * must not decide a test. The name is one this machine's hosts file maps; localhost will not do, since Netty
     * answers it without asking anyone (RFC 6761).
     */
    @Test
    void explicitNameServersAreAskedInsteadOfTheMachinesHostsFile() {
        assumeTrue(!NAME_IN_HOSTS_FILE.isEmpty(), "this machine's hosts file names no host but localhost");
        try (NettyHostResolver r = resolver(Duration.ofSeconds(5))) {
            Future<List<InetAddress>> f = r.resolve(NAME_IN_HOSTS_FILE, loop).awaitUninterruptibly();
            assertThat(f.isSuccess()).as(String.valueOf(f.cause())).isTrue();
            assertThat(f.getNow()).extracting(InetAddress::getHostAddress).containsExactly("20.9.9.9");
        }
    }

    /** The first name in /etc/hosts other than the localhost ones, or "" when there is none. */
    private static String nameInHostsFile() {
        try {
            return java.nio.file.Files.readAllLines(java.nio.file.Path.of("/etc/hosts")).stream()
                    .map(l -> l.replaceFirst("#.*", "").trim()).filter(l -> !l.isEmpty())
                    .flatMap(l -> java.util.Arrays.stream(l.split("\\s+")).skip(1))
                    .filter(n -> !n.startsWith("localhost") && !n.startsWith("ip6-") && n.matches("[A-Za-z0-9.-]+"))
                    .findFirst().orElse("");
        } catch (java.io.IOException e) {
            return "";
        }
    }

    @Test
    void unknownNameIsADnsError() {
        try (NettyHostResolver r = resolver(Duration.ofSeconds(5))) {
            Future<List<InetAddress>> f = r.resolve("nothing.example.org", loop).awaitUninterruptibly();
            assertThat(f.isSuccess()).isFalse();
            assertThat(DnsFailures.classify(f.cause())).isEqualTo(Reason.DNS_ERROR);
        }
    }

    @Test
    void silenceIsADnsTimeoutWithinTheOverallDeadline() {
        dns.silent = true;
        try (NettyHostResolver r = resolver(Duration.ofMillis(300))) {
            Future<List<InetAddress>> f = r.resolve("myregistry.azurecr.io", loop).awaitUninterruptibly();
            assertThat(f.isSuccess()).isFalse();
            assertThat(DnsFailures.classify(f.cause())).isEqualTo(Reason.DNS_TIMEOUT);
        }
    }

    @Test
    void staticHostsComeFirst() {
        try (HostResolver r = new StaticHostResolver(Map.of("pinned.example.org", List.of(InetAddress.getLoopbackAddress())),
                resolver(Duration.ofSeconds(5)))) {
            assertThat(r.resolve("pinned.example.org", loop).awaitUninterruptibly().getNow())
                    .containsExactly(InetAddress.getLoopbackAddress());
            assertThat(r.resolve("myregistry.azurecr.io", loop).awaitUninterruptibly().getNow())
                    .extracting(InetAddress::getHostAddress).containsExactly("20.1.2.3");
        }
    }

    /**
     * Answers A queries from a table (RFC 1035 §4.1), NXDOMAIN for unknown names, an empty answer for other
     * types (AAAA), or nothing at all when {@code silent}.
     */
    static final class FakeDnsServer implements AutoCloseable {
        private final DatagramSocket socket;
        private final Map<String, byte[]> table;
        volatile boolean silent;

        FakeDnsServer(Map<String, byte[]> table) throws SocketException, java.net.UnknownHostException {
            this.table = table;
            this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.53"), 0));
            Thread t = new Thread(this::serve, "fake-dns");
            t.setDaemon(true);
            t.start();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        private void serve() {
            byte[] buf = new byte[512];
            while (!socket.isClosed()) {
                DatagramPacket in = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(in);
                    if (!silent) {
                        byte[] reply = answer(ByteBuffer.wrap(in.getData(), 0, in.getLength()));
                        socket.send(new DatagramPacket(reply, reply.length, in.getSocketAddress()));
                    }
                } catch (java.io.IOException e) {
                    return; // closed
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
            int questionEnd = pos + 5; // the root label, QTYPE, QCLASS
            int qtype = q.getShort(pos + 1) & 0xffff;
            byte[] address = table.get(name.toString().toLowerCase(java.util.Locale.ROOT));
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
}
