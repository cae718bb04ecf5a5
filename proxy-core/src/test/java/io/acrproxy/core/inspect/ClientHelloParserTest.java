package io.acrproxy.core.inspect;

import static io.acrproxy.core.inspect.TlsHelloBytes.ascii;
import static io.acrproxy.core.inspect.TlsHelloBytes.body;
import static io.acrproxy.core.inspect.TlsHelloBytes.concat;
import static io.acrproxy.core.inspect.TlsHelloBytes.nameEntry;
import static io.acrproxy.core.inspect.TlsHelloBytes.nameList;
import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.core.inspect.ClientHelloParser.Failure;
import io.acrproxy.core.inspect.ClientHelloParser.Result;
import io.acrproxy.core.inspect.TlsHelloBytes.Writer;
import io.acrproxy.policy.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ClientHelloParserTest {

    private static Result parse(byte[] body) {
        ByteBuf buf = Unpooled.wrappedBuffer(body);
        try {
            int reader = buf.readerIndex();
            Result result = ClientHelloParser.parse(buf);
            assertThat(buf.readerIndex()).as("parser leaves the indices alone").isEqualTo(reader);
            return result;
        } finally {
            buf.release();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"myreg.azurecr.io", "MyReg.AzureCR.io", "myreg.eastus.data.azurecr.io"})
    void realJdkHelloYieldsItsNormalisedServerName(String name) {
        byte[] body = TlsHelloBytes.bodyOf(TlsHelloBytes.handshakeOf(TlsHelloBytes.jdkClientHello(name)));

        assertThat(parse(body)).isInstanceOfSatisfying(ClientHelloInfo.class, info -> {
            assertThat(info.serverName()).isEqualTo(name.toLowerCase(Locale.ROOT));
            assertThat(info.legacyVersion()).isEqualTo(0x0303);
            assertThat(info.encryptedClientHello()).isFalse();
        });
    }

    @Test
    void realJdkHelloWithoutServerName() {
        byte[] body = TlsHelloBytes.bodyOf(TlsHelloBytes.handshakeOf(TlsHelloBytes.jdkClientHello(null)));

        assertThat(parse(body)).isEqualTo(new ClientHelloInfo(null, 0x0303, false));
    }

    static Stream<Arguments> wellFormed() {
        return Stream.of(
                Arguments.of("no extensions block (TLS 1.0-1.2)", body().noExtensions(), null),
                Arguments.of("empty extensions block", body(), null),
                Arguments.of("TLS 1.0 hello", body().legacyVersion(0x0301).serverName("a.example"), "a.example"),
                Arguments.of("future minor version tolerated", body().legacyVersion(0x0304).serverName("a.example"), "a.example"),
                Arguments.of("empty session id", body().sessionIdLength(0).serverName("a.example"), "a.example"),
                Arguments.of("255 compression methods", body().compression(new byte[255]).serverName("a.example"), "a.example"),
                Arguments.of("other extensions around it", body().extension(0x000a, new byte[] {0, 2, 0, 0x1d})
                        .serverName("a.example").extension(0x002b, new byte[] {2, 3, 4}), "a.example"),
                Arguments.of("trailing dot", body().serverName("a.example."), "a.example"),
                Arguments.of("253-character name", body().serverName(longName(253)), longName(253)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wellFormed")
    void wellFormedHellos(String title, TlsHelloBytes.Body body, String serverName) {
        assertThat(parse(body.build())).isInstanceOfSatisfying(ClientHelloInfo.class,
                info -> assertThat(info.serverName()).isEqualTo(serverName));
    }

    @Test
    void encryptedClientHelloOuterNameIsTheOneChecked() {
        // RFC 9849 §5: the outer ClientHello carries the public name in server_name and the inner hello encrypted.
        byte[] ech = new Writer().u8(0).u16(0x0001).u16(0x0001).u8(7).u16(3).bytes(new byte[3]).u16(4).bytes(new byte[4]).toByteArray();
        Result result = parse(body().serverName("public.example").extension(0xfe0d, ech).build());

        assertThat(result).isEqualTo(new ClientHelloInfo("public.example", 0x0303, true));
    }

    static Stream<Arguments> malformed() {
        byte[] host = ascii("a.example");
        return Stream.of(
                Arguments.of("two host_names", body().serverName("a.example", "b.example"),
                        "server_name has 2 host_name entries"),
                Arguments.of("the same host_name twice", body().serverName("a.example", "a.example"),
                        "server_name has 2 host_name entries"),
                Arguments.of("another name_type", body().extension(0, nameList(nameEntry(1, host))),
                        "name_type 1"),
                Arguments.of("host_name then another name_type", body().extension(0, nameList(concat(nameEntry(0, host), nameEntry(7, host)))),
                        "name_type 7"),
                Arguments.of("empty server_name list", body().extension(0, nameList(new byte[0])),
                        "server_name list is empty"),
                Arguments.of("empty server_name extension", body().extension(0, new byte[0]),
                        "server_name extension is empty"),
                Arguments.of("server_name list longer than its extension", body().extension(0, new Writer().u16(20).bytes(nameEntry(0, host)).toByteArray()),
                        "server_name list length 20"),
                Arguments.of("server_name list shorter than its extension", body().extension(0, new Writer().u16(3).bytes(nameEntry(0, host)).toByteArray()),
                        "server_name list length 3"),
                Arguments.of("host_name longer than its list", body().extension(0, nameList(new Writer().u8(0).u16(40).bytes(host).toByteArray())),
                        "host_name needs 40 bytes"),
                Arguments.of("entry header cut short", body().extension(0, nameList(new byte[] {0, 0})),
                        "server_name entry length needs 2 bytes"),
                Arguments.of("duplicate server_name", body().serverName("a.example").serverName("a.example"),
                        "duplicate server_name extension"),
                Arguments.of("duplicate extension", body().extension(0x000a, new byte[] {0, 2, 0, 0x1d}).serverName("a.example")
                        .extension(0x000a, new byte[] {0, 2, 0, 0x17}), "duplicate extension 0x000a"),
                Arguments.of("duplicate ECH", body().extension(0xfe0d, new byte[1]).extension(0xfe0d, new byte[1]),
                        "duplicate extension 0xfe0d"),
                Arguments.of("embedded NUL", body().serverName("myreg.azurecr.io\0.evil.example"),
                        "server_name contains a NUL byte"),
                Arguments.of("IPv4 literal", body().serverName("20.42.1.1"), "is an IP address"),
                Arguments.of("IPv6 literal", body().serverName("2603:1030::1"), "invalid server_name"),
                Arguments.of("numeric name", body().serverName("0x7f000001"), "looks like a number"),
                Arguments.of("non-ASCII byte", body().extension(0, nameList(nameEntry(0, new byte[] {'a', (byte) 0xc3, (byte) 0xa9}))),
                        "byte 0xc3"),
                Arguments.of("control byte", body().serverName("a\nb.example"), "byte 0x0a"),
                Arguments.of("empty host_name", body().serverName(""), "host_name is empty"),
                Arguments.of("256-byte host_name", body().serverName(longName(256)), "host_name is 256 bytes"),
                Arguments.of("empty label", body().serverName("a..example"), "empty label"),
                Arguments.of("legacy_version 0x0200", body().legacyVersion(0x0200), "legacy_version 0x0200"),
                Arguments.of("legacy_version 0x0401", body().legacyVersion(0x0401), "legacy_version 0x0401"),
                Arguments.of("session id of 33 bytes", body().sessionIdLength(33), "legacy_session_id is 33 bytes"),
                Arguments.of("odd cipher_suites", body().cipherSuites(new byte[] {0x13, 0x01, 0x13}), "cipher_suites length 3"),
                Arguments.of("no cipher_suites", body().cipherSuites(new byte[0]), "cipher_suites length 0"),
                Arguments.of("no compression_methods", body().compression(new byte[0]), "compression_methods is empty"),
                Arguments.of("bytes after the extensions", body().serverName("a.example").trailing(new byte[] {0}),
                        "extensions length"),
                Arguments.of("half an extensions length", body().noExtensions().trailing(new byte[] {0}),
                        "extensions length needs 2 bytes"),
                Arguments.of("extension longer than the block", body().rawExtension(new Writer().u16(0x000a).u16(9).u16(0).toByteArray()),
                        "extension 0x000a needs 9 bytes"),
                Arguments.of("half an extension header", body().serverName("a.example").rawExtension(new byte[] {0, 0x0a}),
                        "extension header needs 4 bytes"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedHellos(String title, TlsHelloBytes.Body body, String message) {
        assertThat(parse(body.build())).isInstanceOfSatisfying(Failure.class, failure -> {
            assertThat(failure.reason()).isEqualTo(Reason.CLIENT_HELLO_MALFORMED);
            assertThat(failure.message()).contains(message);
        });
    }

    @Test
    void ssl3HelloIsNotTls() {
        assertThat(parse(body().legacyVersion(0x0300).build())).isInstanceOfSatisfying(Failure.class,
                failure -> assertThat(failure.reason()).isEqualTo(Reason.NOT_TLS));
    }

    @Test
    void everyTruncationOfARealHelloIsMalformedOrAnExtensionlessHello() {
        byte[] body = TlsHelloBytes.bodyOf(TlsHelloBytes.handshakeOf(TlsHelloBytes.jdkClientHello("myreg.azurecr.io")));
        int sessionIdLength = body[34] & 0xff;
        int suitesLength = ((body[35 + sessionIdLength] & 0xff) << 8) | (body[36 + sessionIdLength] & 0xff);
        int afterCompression = 37 + sessionIdLength + suitesLength + 1 + (body[37 + sessionIdLength + suitesLength] & 0xff);

        for (int length = 0; length < body.length; length++) {
            Result result = parse(Arrays.copyOf(body, length));
            if (length == afterCompression) {
                assertThat(result).as("cut after compression_methods").isEqualTo(new ClientHelloInfo(null, 0x0303, false));
            } else {
                assertThat(result).as("cut at %d", length).isInstanceOfSatisfying(Failure.class,
                        failure -> assertThat(failure.reason()).isEqualTo(Reason.CLIENT_HELLO_MALFORMED));
            }
        }
    }

    @Test
    void everySingleByteMutationOfARealHelloParsesWithoutThrowing() {
        byte[] body = TlsHelloBytes.bodyOf(TlsHelloBytes.handshakeOf(TlsHelloBytes.jdkClientHello("myreg.azurecr.io")));
        int[] deltas = {1, -1, 0x80};
        for (int i = 0; i < body.length; i++) {
            for (int delta : deltas) {
                byte[] mutated = body.clone();
                mutated[i] = (byte) (mutated[i] + delta);
                assertThat(parse(mutated)).as("byte %d %+d", i, delta).isNotNull();
            }
            byte[] zeroed = body.clone();
            zeroed[i] = 0;
            assertThat(parse(zeroed)).isNotNull();
        }
    }

    @Test
    void manyExtensionsAreCheckedForDuplicatesQuickly() {
        // 16k empty extensions of distinct types: the largest block a 2^16 length allows, without a quadratic scan.
        Writer block = new Writer();
        for (int type = 1; type <= 16000; type++) {
            block.u16(type).u16(0);
        }
        Result distinct = parse(body().serverName("a.example").rawExtension(block.toByteArray()).build());
        Result duplicated = parse(body().serverName("a.example").rawExtension(block.toByteArray()).extension(9999, new byte[0]).build());

        assertThat(distinct).isEqualTo(new ClientHelloInfo("a.example", 0x0303, false));
        assertThat(duplicated).isEqualTo(new Failure(Reason.CLIENT_HELLO_MALFORMED, "duplicate extension 0x270f"));
    }

    /** A name of {@code length} bytes made of 63-byte labels (253: the longest valid name; 256: too long). */
    private static String longName(int length) {
        String label = "a".repeat(63) + ".";
        String name = label.repeat(length / label.length() + 1).substring(0, length);
        return name.endsWith(".") ? name.substring(0, length - 2) + "a." : name;
    }
}
