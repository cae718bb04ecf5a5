package io.acrproxy.core.inspect;

import static io.acrproxy.core.inspect.TlsHelloBytes.ascii;
import static io.acrproxy.core.inspect.TlsHelloBytes.body;
import static io.acrproxy.core.inspect.TlsHelloBytes.concat;
import static io.acrproxy.core.inspect.TlsHelloBytes.handshake;
import static io.acrproxy.core.inspect.TlsHelloBytes.handshakeOf;
import static io.acrproxy.core.inspect.TlsHelloBytes.jdkClientHello;
import static io.acrproxy.core.inspect.TlsHelloBytes.nameEntry;
import static io.acrproxy.core.inspect.TlsHelloBytes.nameList;
import static io.acrproxy.core.inspect.TlsHelloBytes.record;
import static io.acrproxy.core.inspect.TlsHelloBytes.records;
import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.core.testing.TrackingAllocator;
import io.acrproxy.policy.Decision;
import io.acrproxy.policy.Mode;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.PolicySpec;
import io.acrproxy.policy.Reason;
import io.acrproxy.policy.RegistrySpec;
import io.acrproxy.policy.Verdict;
import io.acrproxy.policy.host.Authority;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ClientHelloInspectorTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX = 16384;
    private static final Authority TARGET = Authority.parse("myreg.azurecr.io:443");
    private static final Decision ALLOW = Decision.allow("test", "allowed");

    private final TrackingAllocator alloc = new TrackingAllocator();
    private final List<Harness> harnesses = new ArrayList<>();

    @AfterEach
    void everyBufferIsReleased() {
        for (Harness h : harnesses) {
            h.channel.finishAndReleaseAll(); // also rethrows any exception that reached the end of the pipeline
        }
        assertThat(alloc.unreleased()).as("leaked buffers").isEmpty();
    }

    private static final Policy ENFORCE = compile(Mode.ENFORCE);
    private static final Policy REPORT = compile(Mode.REPORT);

    private static Policy compile(Mode mode) {
        return Policy.compile(PolicySpec.builder().mode(mode)
                .registries(new RegistrySpec("myreg", List.of("eastus"), List.of())).build());
    }

    /** What the data plane passes: the real policy's SNI stage for the CONNECT target. */
    private static Function<String, Decision> policy(Mode mode) {
        Policy policy = mode == Mode.REPORT ? REPORT : ENFORCE;
        return sni -> policy.decideSni(TARGET, sni);
    }

    private Harness harness(Function<String, Decision> decisions) {
        return harness(MAX, decisions);
    }

    private Harness harness(int max, Function<String, Decision> decisions) {
        Harness h = new Harness(max, decisions);
        harnesses.add(h);
        return h;
    }

    // --- accepted hellos: every byte goes on, unchanged and in order --------------------------------------------

    @Test
    void realJdkHelloIsAllowedAndReplayedByteForByte() {
        byte[] hello = jdkClientHello("myreg.azurecr.io");
        Harness h = harness(policy(Mode.ENFORCE)).write(hello);

        assertThat(h.inbound()).isEqualTo(hello);
        assertThat(h.asked).containsExactly("myreg.azurecr.io");
        assertThat(h.accepted.serverName()).isEqualTo("myreg.azurecr.io");
        assertThat(h.accepted.decision().verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(h.accepted.helloBytes()).isEqualTo(hello.length);
        assertThat(h.events).isEqualTo(1);
        assertThat(h.channel.pipeline().get(ClientHelloInspector.class)).isNull();
        assertThat(h.outbound()).isEmpty();
        assertThat(h.channel.isOpen()).isTrue();
    }

    @ParameterizedTest(name = "records of {0} bytes, delivered {1} bytes at a time")
    @CsvSource({"1, 1", "1, 7", "1, 0", "2, 3", "5, 1", "100, 0", "100, 1", "16384, 1", "16384, 0"})
    void helloSplitAcrossRecordsAndSegments(int fragmentSize, int chunkSize) {
        byte[] input = records(handshakeOf(jdkClientHello("myreg.azurecr.io")), 0x0301, fragmentSize);
        Harness h = harness(policy(Mode.ENFORCE));
        int chunk = chunkSize == 0 ? input.length : chunkSize;

        for (int p = 0; p < input.length; p += chunk) {
            assertThat(h.events).as("decided before the last byte").isZero();
            h.write(Arrays.copyOfRange(input, p, Math.min(input.length, p + chunk)));
        }

        assertThat(h.accepted).isNotNull();
        assertThat(h.accepted.helloBytes()).isEqualTo(input.length);
        assertThat(h.inbound()).isEqualTo(input);
    }

    @Test
    void bytesAfterTheHelloInTheSameReadFollowItInOrder() {
        byte[] hello = jdkClientHello("myreg.azurecr.io");
        byte[] changeCipherSpec = record(20, 0x0303, new byte[] {1});
        byte[] earlyData = record(23, 0x0303, ascii("0-RTT application data"));
        Harness h = harness(policy(Mode.ENFORCE)).write(concat(hello, changeCipherSpec, earlyData));

        assertThat(h.accepted.helloBytes()).isEqualTo(hello.length);
        assertThat(h.inbound()).isEqualTo(concat(hello, changeCipherSpec, earlyData));

        h.write(ascii("later bytes go straight to the relay"));
        assertThat(h.inbound()).isEqualTo(ascii("later bytes go straight to the relay"));
    }

    @Test
    void reportModeForwardsAMismatchAsWouldDeny() {
        byte[] hello = jdkClientHello("evil.azurecr.io");
        Harness h = harness(policy(Mode.REPORT)).write(hello);

        assertThat(h.accepted.decision().verdict()).isEqualTo(Verdict.WOULD_DENY);
        assertThat(h.accepted.decision().reason()).isEqualTo(Reason.SNI_MISMATCH);
        assertThat(h.inbound()).isEqualTo(hello);
        assertThat(h.outbound()).isEmpty();
    }

    @Test
    void helloWithoutServerNameAsksTheDecisionWithNull() {
        byte[] hello = jdkClientHello(null);
        Harness allowing = harness(sni -> ALLOW).write(hello);
        Harness requiring = harness(policy(Mode.ENFORCE)).write(hello);

        assertThat(allowing.asked).containsExactly((String) null);
        assertThat(allowing.inbound()).isEqualTo(hello);
        assertThat(requiring.refused.reason()).isEqualTo(Reason.SNI_MISSING);
        assertThat(requiring.outbound()).isEqualTo(alert(0x0303, 49));
    }

    @Test
    void aRelayAddedByTheListenerReceivesEveryByte() {
        byte[] hello = jdkClientHello("myreg.azurecr.io");
        Capture relay = new Capture();
        Harness h = harness(sni -> ALLOW);
        h.onAccept = () -> h.channel.pipeline().addLast(relay);
        h.write(hello);

        assertThat(relay.bytes.toByteArray()).isEqualTo(hello);
    }

    @Test
    void helloOfExactlyTheLimitFitsAndOneByteMoreDoesNot() {
        byte[] exact = helloOfSize(1024);
        byte[] over = helloOfSize(1025);

        assertThat(harness(1024, sni -> ALLOW).write(exact).inbound()).isEqualTo(exact);
        Harness refused = harness(1024, sni -> ALLOW).write(over);
        assertThat(refused.refused.reason()).isEqualTo(Reason.CLIENT_HELLO_TOO_LARGE);
    }

    // --- refusals: one alert in the client's record version, close, nothing forwarded ---------------------------

    @Test
    void sniMismatchGetsExactlyOneUnrecognizedNameAlertAndAClose() {
        byte[] hello = jdkClientHello("evil.azurecr.io");
        Harness h = harness(policy(Mode.ENFORCE)).write(hello);

        assertThat(h.outbound()).isEqualTo(HexFormat.of().parseHex("15030300020270"));
        assertThat(h.channel.isOpen()).isFalse();
        assertThat(h.inbound()).isEmpty();
        assertThat(h.refused.reason()).isEqualTo(Reason.SNI_MISMATCH);
        assertThat(h.refused.serverName()).isEqualTo("evil.azurecr.io");
        assertThat(h.refused.decision().verdict()).isEqualTo(Verdict.DENY);
        assertThat(h.events).isEqualTo(1);
    }

    /** design §7: the alert goes out in the client's record version (the JDK's, and each hand-built one). */
    @Test
    void alertRecordVersionIsTheJdkClientsRecordVersion() {
        byte[] hello = jdkClientHello("evil.azurecr.io");
        int jdkRecordVersion = ((hello[1] & 0xff) << 8) | (hello[2] & 0xff);
        Harness h = harness(policy(Mode.ENFORCE)).write(hello);

        assertThat(h.outbound()).isEqualTo(alert(jdkRecordVersion, 112));
    }

    @ParameterizedTest(name = "record version {0}: {1} -> alert {2}")
    @CsvSource({
            "0x0301, SNI_MISMATCH, 112", "0x0302, SNI_MISMATCH, 112", "0x0303, SNI_MISMATCH, 112",
            "0x0301, SNI_MISSING, 49", "0x0302, HOST_NOT_ALLOWED, 49", "0x0303, CLIENT_HELLO_MALFORMED, 49"})
    void alertRecordVersionIsTheClientsFirstRecordVersion(String version, Reason reason, int description) {
        int v = Integer.decode(version);
        byte[] input = records(handshake(body().serverName("a.example").build()), v, 10);
        // A later record of another allowed version does not change it: the first record's version is the one.
        byte[] mixed = concat(Arrays.copyOf(input, 15), records(handshakeOf(Arrays.copyOfRange(input, 15, input.length)), 0x0303, 1 << 14));
        Harness h = harness(sni -> Decision.deny(reason, "test", "denied")).write(mixed);

        assertThat(h.outbound()).isEqualTo(alert(v, description));
        assertThat(h.refused.reason()).isEqualTo(reason);
        assertThat(h.channel.isOpen()).isFalse();
    }

    static Stream<Arguments> malformedHellos() {
        byte[] host = ascii("myreg.azurecr.io");
        return Stream.of(
                Arguments.of("two host_names", body().serverName("myreg.azurecr.io", "evil.example"), "server_name has 2 host_name entries"),
                Arguments.of("embedded NUL", body().serverName("myreg.azurecr.io\0.evil.example"), "NUL"),
                Arguments.of("IP literal", body().serverName("20.42.1.1"), "is an IP address"),
                Arguments.of("empty server_name list", body().extension(0, nameList(new byte[0])), "server_name list is empty"),
                Arguments.of("non-host_name type", body().extension(0, nameList(nameEntry(3, host))), "name_type 3"),
                Arguments.of("duplicate server_name", body().serverName("myreg.azurecr.io").serverName("myreg.azurecr.io"), "duplicate server_name"),
                Arguments.of("duplicate extension", body().extension(0x2b, new byte[] {2, 3, 4}).serverName("myreg.azurecr.io")
                        .extension(0x2b, new byte[] {2, 3, 4}), "duplicate extension 0x002b"),
                Arguments.of("extensions overrun", body().serverName("myreg.azurecr.io").trailing(new byte[] {1}), "extensions length"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedHellos")
    void malformedHellosAreRefusedWithAccessDenied(String title, TlsHelloBytes.Body body, String message) {
        Harness h = harness(policy(Mode.ENFORCE)).write(body.toRecords());

        assertThat(h.refused.reason()).isEqualTo(Reason.CLIENT_HELLO_MALFORMED);
        assertThat(h.refused.message()).contains(message);
        assertThat(h.asked).isEmpty();
        assertThat(h.outbound()).isEqualTo(alert(0x0301, 49));
        assertThat(h.inbound()).isEmpty();
        assertThat(h.channel.isOpen()).isFalse();
    }

    @Test
    void malformedHellosAreRefusedInReportModeToo() {
        Harness h = harness(policy(Mode.REPORT)).write(body().serverName("a.example", "b.example").toRecords());

        assertThat(h.refused.reason()).isEqualTo(Reason.CLIENT_HELLO_MALFORMED);
        assertThat(h.inbound()).isEmpty();
    }

    static Stream<Arguments> malformedRecords() {
        byte[] hs = handshake(body().serverName("myreg.azurecr.io").build());
        byte[] firstPart = records(Arrays.copyOf(hs, 20), 0x0301, 1 << 14);
        byte[] rest = records(Arrays.copyOfRange(hs, 20, hs.length), 0x0301, 1 << 14);
        byte[] serverHello = hs.clone();
        serverHello[0] = 2;
        return Stream.of(
                Arguments.of("server_hello instead", records(serverHello, 0x0301, 1 << 14), "handshake message type 2"),
                Arguments.of("alert record inside", concat(firstPart, record(21, 0x0301, new byte[] {1, 0}), rest), "content type 21"),
                Arguments.of("change_cipher_spec inside", concat(firstPart, record(20, 0x0301, new byte[] {1}), rest), "content type 20"),
                Arguments.of("application data inside", concat(firstPart, record(23, 0x0301, new byte[] {1}), rest), "content type 23"),
                Arguments.of("empty first record", concat(record(22, 0x0301, new byte[0]), rest), "zero-length"),
                Arguments.of("empty record inside", concat(firstPart, record(22, 0x0301, new byte[0]), rest), "zero-length"),
                Arguments.of("record over 2^14", HexFormat.of().parseHex("1603014001"), "exceeds 2^14"),
                Arguments.of("SSL 3.0 record inside", concat(firstPart, records(Arrays.copyOfRange(hs, 20, hs.length), 0x0300, 1 << 14)), "record version 0x0300"),
                Arguments.of("bytes after the hello in its record", records(concat(hs, new byte[] {20, 0, 0, 0}), 0x0301, 1 << 14),
                        "4 bytes follow the ClientHello"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedRecords")
    void malformedRecordLayerIsRefused(String title, byte[] input, String message) {
        Harness h = harness(sni -> ALLOW).write(input);

        assertThat(h.refused.reason()).isEqualTo(Reason.CLIENT_HELLO_MALFORMED);
        assertThat(h.refused.message()).contains(message);
        assertThat(h.outbound()).isEqualTo(alert(0x0301, 49));
        assertThat(h.inbound()).isEmpty();
        assertThat(h.channel.isOpen()).isFalse();
    }

    static Stream<Arguments> notTls() {
        return Stream.of(
                Arguments.of("SSLv2-compatible hello", HexFormat.of().parseHex("802e0103010015000000100000030000060000040000ff")),
                Arguments.of("SSL 3.0 record", records(handshake(body().legacyVersion(0x0300).noExtensions().build()), 0x0300, 1 << 14)),
                Arguments.of("SSL 3.0 hello in a TLS record", records(handshake(body().legacyVersion(0x0300).noExtensions().build()), 0x0301, 1 << 14)),
                Arguments.of("HTTP request", ascii("GET / HTTP/1.1\r\nHost: myreg.azurecr.io\r\n\r\n")),
                Arguments.of("CONNECT again", ascii("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n\r\n")),
                Arguments.of("application data first", record(23, 0x0303, new byte[] {1, 2, 3})),
                Arguments.of("alert first", record(21, 0x0303, new byte[] {2, 40})),
                Arguments.of("record major version 2", HexFormat.of().parseHex("160201000401000000")),
                Arguments.of("record version 0x0304", HexFormat.of().parseHex("160304000401000000")),
                Arguments.of("zero bytes", new byte[16]));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notTls")
    void notTlsIsClosedWithoutAnAlert(String title, byte[] input) {
        Harness h = harness(sni -> ALLOW).write(input);

        assertThat(h.refused.reason()).isEqualTo(Reason.NOT_TLS);
        assertThat(h.outbound()).as("no TLS alert to a peer that does not speak TLS").isEmpty();
        assertThat(h.inbound()).isEmpty();
        assertThat(h.channel.isOpen()).isFalse();
        assertThat(h.events).isEqualTo(1);
    }

    @Test
    void plainHttpIsRefusedOnItsFirstByte() {
        Harness h = harness(sni -> ALLOW).write(ascii("G"));

        assertThat(h.refused.reason()).isEqualTo(Reason.NOT_TLS);
        assertThat(h.refused.message()).contains("0x47 'G'");
        assertThat(h.channel.isOpen()).isFalse();
    }

    @Test
    void oversizedHelloIsRefusedFromItsHeadersAlone() {
        byte[] input = records(handshake(body().extension(TlsHelloBytes.EXT_PADDING, new byte[3000]).build()), 0x0301, 1 << 14);
        Harness h = harness(1024, sni -> ALLOW).write(Arrays.copyOf(input, 9));

        assertThat(h.refused.reason()).isEqualTo(Reason.CLIENT_HELLO_TOO_LARGE);
        assertThat(h.outbound()).isEqualTo(alert(0x0301, 49));
        assertThat(h.channel.isOpen()).isFalse();
    }

    @Test
    void recordOverheadCountsAgainstTheLimit() {
        // 1-byte records make a 200-byte hello 1200 bytes on the wire: more than 1024 + one record header is held.
        byte[] small = records(handshake(body().extension(TlsHelloBytes.EXT_PADDING, new byte[100]).build()), 0x0301, 1);
        Harness h = harness(1024, sni -> ALLOW);
        for (int p = 0; p < small.length && h.events == 0; p++) {
            assertThat(p).as("bytes held before refusing").isLessThanOrEqualTo(1024 + 5);
            h.write(new byte[] {small[p]});
        }

        assertThat(h.refused.reason()).isEqualTo(Reason.CLIENT_HELLO_TOO_LARGE);
    }

    @Test
    void aStalledHelloTimesOutWithAnAlert() {
        byte[] hello = jdkClientHello("myreg.azurecr.io");
        Harness h = harness(policy(Mode.ENFORCE)).write(Arrays.copyOf(hello, 100));

        h.advance(TIMEOUT.minusMillis(1));
        assertThat(h.events).isZero();
        h.advance(Duration.ofMillis(1));

        assertThat(h.refused.reason()).isEqualTo(Reason.CLIENT_HELLO_TIMEOUT);
        assertThat(h.refused.message()).contains("100 bytes received");
        assertThat(h.outbound()).isEqualTo(alert(0x0303, 49));
        assertThat(h.inbound()).isEmpty();
        assertThat(h.channel.isOpen()).isFalse();
    }

    @Test
    void aSilentClientTimesOutWithoutAnAlert() {
        Harness h = harness(sni -> ALLOW);
        h.advance(TIMEOUT);

        assertThat(h.refused.reason()).isEqualTo(Reason.CLIENT_HELLO_TIMEOUT);
        assertThat(h.outbound()).isEmpty();
        assertThat(h.channel.isOpen()).isFalse();
    }

    @Test
    void theTimerStopsOnceTheHelloIsAccepted() {
        Harness h = harness(sni -> ALLOW).write(jdkClientHello("myreg.azurecr.io"));
        h.advance(TIMEOUT.multipliedBy(2));

        assertThat(h.accepted).isNotNull();
        assertThat(h.events).isEqualTo(1);
        assertThat(h.channel.isOpen()).isTrue();
        h.inbound();
    }

    @Test
    void aFailingDecisionIsAnInternalErrorNotAnOpenTunnel() {
        Harness h = harness(sni -> {
            throw new IllegalStateException("policy exploded");
        }).write(jdkClientHello("myreg.azurecr.io"));

        assertThat(h.refused.reason()).isEqualTo(Reason.INTERNAL_ERROR);
        assertThat(h.outbound()).isEqualTo(alert(0x0303, 49));
        assertThat(h.inbound()).isEmpty();
        assertThat(h.channel.isOpen()).isFalse();
    }

    // --- the connection ends before a decision -------------------------------------------------------------------

    @Test
    void clientClosingMidHelloIsReportedAndNothingIsForwarded() {
        Harness h = harness(sni -> ALLOW).write(Arrays.copyOf(jdkClientHello("myreg.azurecr.io"), 50));
        h.channel.close();

        assertThat(h.closed).isEqualTo(50);
        assertThat(h.events).isEqualTo(1);
        assertThat(h.inbound()).isEmpty();
    }

    @Test
    void clientHalfClosingMidHelloClosesTheChannel() {
        Harness h = harness(sni -> ALLOW).write(Arrays.copyOf(jdkClientHello("myreg.azurecr.io"), 50));
        h.channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);

        assertThat(h.closed).isEqualTo(50);
        assertThat(h.channel.isOpen()).isFalse();
        assertThat(h.inbound()).isEmpty();
    }

    @Test
    void removingAnUndecidedInspectorClosesInsteadOfForwarding() {
        Harness h = harness(sni -> ALLOW).write(Arrays.copyOf(jdkClientHello("myreg.azurecr.io"), 50));
        h.channel.pipeline().remove(ClientHelloInspector.class);

        assertThat(h.closed).isEqualTo(50);
        assertThat(h.channel.isOpen()).isFalse();
        assertThat(h.inbound()).isEmpty();
    }

    // --- fuzz-ish: no input makes it throw, leak or forward without a decision -----------------------------------

    @Test
    void everyPrefixOfARealHelloWaitsForMore() {
        byte[] hello = jdkClientHello("myreg.azurecr.io");
        for (int length = 1; length < hello.length; length++) {
            Harness h = harness(sni -> ALLOW).write(Arrays.copyOf(hello, length));
            assertThat(h.events).as("prefix of %d bytes", length).isZero();
            assertThat(h.inbound()).isEmpty();
        }
    }

    @Test
    void everyTruncatedHelloWithConsistentLengthsIsMalformedOrExtensionless() {
        byte[] body = TlsHelloBytes.bodyOf(handshakeOf(jdkClientHello("myreg.azurecr.io")));
        for (int length = 0; length < body.length; length++) {
            Harness h = harness(sni -> ALLOW).write(records(handshake(Arrays.copyOf(body, length)), 0x0303, 1 << 14));
            if (h.accepted != null) {
                assertThat(h.accepted.serverName()).as("cut at %d", length).isNull();
                h.inbound();
            } else {
                assertThat(h.refused.reason()).as("cut at %d", length).isEqualTo(Reason.CLIENT_HELLO_MALFORMED);
                assertThat(h.inbound()).isEmpty();
            }
        }
    }

    @Test
    void everySingleByteMutationIsDecidedWaitedForOrRefusedWithoutAnException() {
        byte[] hello = jdkClientHello("myreg.azurecr.io");
        List<Reason> stage7 = List.of(Reason.NOT_TLS, Reason.CLIENT_HELLO_MALFORMED, Reason.CLIENT_HELLO_TOO_LARGE,
                Reason.SNI_MISMATCH, Reason.SNI_MISSING);
        for (int i = 0; i < hello.length; i++) {
            for (int delta : new int[] {1, -1, 0x80}) {
                byte[] mutated = hello.clone();
                mutated[i] = (byte) (mutated[i] + delta);
                Harness h = harness(policy(Mode.ENFORCE)).write(mutated);
                assertThat(h.events).as("byte %d %+d", i, delta).isLessThanOrEqualTo(1);
                if (h.refused != null) {
                    assertThat(h.refused.reason()).isIn(stage7);
                    assertThat(h.inbound()).isEmpty();
                } else if (h.accepted != null) {
                    assertThat(h.inbound()).isEqualTo(mutated);
                } else {
                    assertThat(h.inbound()).isEmpty();
                }
            }
            harnesses.forEach(x -> x.channel.finishAndReleaseAll());
            harnesses.clear();
        }
    }

    // --- helpers --------------------------------------------------------------------------------------------------

    private static byte[] alert(int version, int description) {
        return new byte[] {21, (byte) (version >> 8), (byte) version, 0, 2, 2, (byte) description};
    }

    /** A hello whose handshake message (header included) is exactly {@code size} bytes, in one record. */
    private static byte[] helloOfSize(int size) {
        int base = handshake(body().serverName("myreg.azurecr.io").build()).length;
        byte[] hs = handshake(body().serverName("myreg.azurecr.io")
                .extension(TlsHelloBytes.EXT_PADDING, new byte[size - base - 4]).build());
        assertThat(hs).hasSize(size);
        return records(hs, 0x0301, 1 << 14);
    }

    private final class Harness implements ClientHelloListener {
        final EmbeddedChannel channel = new EmbeddedChannel();
        final List<String> asked = new ArrayList<>();
        Runnable onAccept = () -> { };
        Accepted accepted;
        Refused refused;
        Integer closed;
        int events;

        Harness(int max, Function<String, Decision> decisions) {
            channel.config().setAllocator(alloc);
            channel.pipeline().addLast(new ClientHelloInspector(sni -> {
                asked.add(sni);
                return decisions.apply(sni);
            }, this, max, TIMEOUT));
        }

        Harness write(byte[]... chunks) {
            for (byte[] chunk : chunks) {
                channel.writeInbound(alloc.buffer(chunk.length).writeBytes(chunk));
            }
            return this;
        }

        void advance(Duration time) {
            channel.advanceTimeBy(time.toNanos(), TimeUnit.NANOSECONDS);
            channel.runScheduledPendingTasks();
            channel.runPendingTasks();
        }

        byte[] inbound() {
            return drain(channel::readInbound);
        }

        byte[] outbound() {
            return drain(channel::readOutbound);
        }

        private byte[] drain(java.util.function.Supplier<Object> next) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (Object msg = next.get(); msg != null; msg = next.get()) {
                ByteBuf buf = (ByteBuf) msg;
                byte[] bytes = new byte[buf.readableBytes()];
                buf.readBytes(bytes);
                buf.release();
                out.writeBytes(bytes);
            }
            return out.toByteArray();
        }

        @Override
        public void onAccepted(Accepted accepted) {
            this.accepted = accepted;
            events++;
            onAccept.run();
        }

        @Override
        public void onRefused(Refused refused) {
            this.refused = refused;
            events++;
        }

        @Override
        public void onClosed(int bytesReceived) {
            this.closed = bytesReceived;
            events++;
        }
    }

    /** Stands in for the relay: collects what the inspector passes on. */
    private static final class Capture extends ChannelInboundHandlerAdapter {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            byte[] b = new byte[buf.readableBytes()];
            buf.readBytes(b);
            buf.release();
            bytes.writeBytes(b);
        }
    }

    /** Remembers every buffer it hands out, so a test can tell that each one was released (deterministically). */
    private static final class TrackingAllocator extends AbstractByteBufAllocator {
        private final List<ByteBuf> allocated = new ArrayList<>();

        TrackingAllocator() {
            super(false);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            return track(UnpooledByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity));
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return track(UnpooledByteBufAllocator.DEFAULT.directBuffer(initialCapacity, maxCapacity));
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }

        private ByteBuf track(ByteBuf buf) {
            allocated.add(buf);
            return buf;
        }

        List<ByteBuf> unreleased() {
            return allocated.stream().filter(b -> b.refCnt() > 0).toList();
        }
    }
}
