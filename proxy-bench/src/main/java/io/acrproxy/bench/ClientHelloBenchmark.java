package io.acrproxy.bench;

import io.acrproxy.core.inspect.ClientHelloInspector;
import io.acrproxy.core.inspect.ClientHelloListener;
import io.acrproxy.core.inspect.ClientHelloParser;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.PolicySpec;
import io.acrproxy.policy.RegistrySpec;
import io.acrproxy.policy.host.Authority;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * ClientHello inspection (design §7) of a 2,048-byte hello in one TLS record (issue target: at most 5 µs): what a
 * current browser or Go client sends, with a post-quantum key share (X25519MLKEM768, 1,216 bytes), 16 cipher
 * suites, 15 extensions and padding to 2 KiB.
 *
 * <ul>
 *   <li>{@code parse}: {@link ClientHelloParser#parse} of the handshake body (every length checked, the server
 *       name normalised).</li>
 *   <li>{@code inspect}: what a tunnel pays between the 200 and the relay: a {@link ClientHelloInspector} added
 *       to a channel's pipeline (it arms its timeout), the record read into it, reassembled, parsed, the
 *       policy's SNI decision, the inspector removing itself and passing the held bytes on. On an
 *       {@link EmbeddedChannel} that is reused, so the channel's own construction is not measured.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class ClientHelloBenchmark {
    static final String SNI = "myregistry.westeurope.data.azurecr.io";
    static final int RECORD_BYTES = 2048;

    private ByteBuf record;
    private ByteBuf body;
    private EmbeddedChannel channel;
    private Policy policy;
    private Authority target;
    private final CountingListener listener = new CountingListener();

    @Setup
    public void setUp() {
        byte[] bytes = helloRecord(SNI, RECORD_BYTES);
        record = Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length).writeBytes(bytes));
        // Record header (5) and handshake header (4) off: the body the parser takes.
        body = Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length - 9).writeBytes(bytes, 9, bytes.length - 9));
        policy = Policy.compile(PolicySpec.builder()
                .registries(List.of(new RegistrySpec("myregistry", List.of("westeurope"), List.of())))
                .build());
        target = Authority.parse(SNI + ":443");
        channel = new EmbeddedChannel(new ReleaseEverything());
        if (!(ClientHelloParser.parse(body) instanceof io.acrproxy.core.inspect.ClientHelloInfo info) || !SNI.equals(info.serverName())) {
            throw new IllegalStateException("the benchmark's hello does not parse: " + ClientHelloParser.parse(body));
        }
        inspect();
        if (listener.accepted != 1) {
            throw new IllegalStateException("the benchmark's hello was not accepted");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        channel.finishAndReleaseAll();
    }

    @Benchmark
    public Object parse() {
        return ClientHelloParser.parse(body);
    }

    @Benchmark
    public int inspect() {
        channel.pipeline().addFirst(new ClientHelloInspector(sni -> policy.decideSni(target, sni), listener, 16 * 1024,
                Duration.ofSeconds(10)));
        channel.pipeline().fireChannelRead(record.retainedDuplicate());
        channel.pipeline().fireChannelReadComplete();
        return listener.accepted;
    }

    /** Stands for the relay behind the inspector: takes the replayed bytes. */
    private static final class ReleaseEverything extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }

    private static final class CountingListener implements ClientHelloListener {
        int accepted;

        @Override
        public void onAccepted(Accepted accepted) {
            this.accepted++;
        }

        @Override
        public void onRefused(Refused refused) {
            throw new IllegalStateException("refused: " + refused);
        }

        @Override
        public void onClosed(int bytesReceived) {
            throw new IllegalStateException("closed after " + bytesReceived + " bytes");
        }
    }

    /** A TLS 1.3 ClientHello in one record of exactly {@code recordBytes} bytes (padding extension, RFC 7685). */
    static byte[] helloRecord(String serverName, int recordBytes) {
        ByteArrayOutputStream ext = new ByteArrayOutputStream();
        byte[] name = serverName.getBytes(StandardCharsets.US_ASCII);
        extension(ext, 0x0000, u16(concat(new byte[] {0}, u16(name)))); // server_name
        extension(ext, 0x0017, new byte[0]); // extended_master_secret
        extension(ext, 0xff01, new byte[] {0}); // renegotiation_info
        extension(ext, 0x000a, u16(shorts(0x11ec, 0x001d, 0x0017, 0x0018))); // supported_groups
        extension(ext, 0x000b, new byte[] {1, 0}); // ec_point_formats
        extension(ext, 0x0023, new byte[0]); // session_ticket
        extension(ext, 0x0010, u16(concat(u8(ascii("h2")), u8(ascii("http/1.1"))))); // ALPN
        extension(ext, 0x0005, new byte[] {1, 0, 0, 0, 0}); // status_request
        extension(ext, 0x000d, u16(shorts(0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601))); // sig algs
        extension(ext, 0x0012, new byte[0]); // signed_certificate_timestamp
        extension(ext, 0x0033, u16(concat(keyShare(0x11ec, 1216), keyShare(0x001d, 32)))); // key_share
        extension(ext, 0x002d, new byte[] {1, 1}); // psk_key_exchange_modes
        extension(ext, 0x002b, u8(shorts(0x0304, 0x0303))); // supported_versions
        extension(ext, 0x001b, u8(shorts(0x0002))); // compress_certificate: brotli
        byte[] fixed = concat(new byte[] {3, 3}, filled(32, 0x5a), u8(filled(32, 0x33)),
                u16(shorts(0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
                        0x009c, 0x009d, 0x002f, 0x0035, 0x00ff)),
                new byte[] {1, 0});
        int bodyWithoutPadding = fixed.length + 2 + ext.size() + 4; // + extensions length, + padding header
        int padding = recordBytes - 5 - 4 - bodyWithoutPadding;
        if (padding < 0) {
            throw new IllegalArgumentException("a hello of " + recordBytes + " bytes is too small for these extensions");
        }
        extension(ext, 0x0015, new byte[padding]);
        byte[] bodyBytes = concat(fixed, u16(ext.toByteArray()));
        byte[] handshake = concat(new byte[] {1, (byte) (bodyBytes.length >>> 16), (byte) (bodyBytes.length >>> 8),
                (byte) bodyBytes.length}, bodyBytes);
        return concat(new byte[] {22, 3, 1}, u16(handshake));
    }

    private static byte[] keyShare(int group, int length) {
        return concat(shorts(group), u16(filled(length, group & 0xff)));
    }

    private static void extension(ByteArrayOutputStream out, int type, byte[] data) {
        out.writeBytes(shorts(type));
        out.writeBytes(u16(data));
    }

    private static byte[] u8(byte[] data) {
        return concat(new byte[] {(byte) data.length}, data);
    }

    private static byte[] u16(byte[] data) {
        return concat(new byte[] {(byte) (data.length >>> 8), (byte) data.length}, data);
    }

    private static byte[] shorts(int... values) {
        byte[] out = new byte[values.length * 2];
        for (int i = 0; i < values.length; i++) {
            out[2 * i] = (byte) (values[i] >>> 8);
            out[2 * i + 1] = (byte) values[i];
        }
        return out;
    }

    private static byte[] filled(int length, int value) {
        byte[] out = new byte[length];
        java.util.Arrays.fill(out, (byte) value);
        return out;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
