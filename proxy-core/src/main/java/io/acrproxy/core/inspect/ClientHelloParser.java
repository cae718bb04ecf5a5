package io.acrproxy.core.inspect;

import io.acrproxy.policy.Reason;
import io.acrproxy.policy.host.HostName;
import io.acrproxy.policy.host.InvalidHostException;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Parses the body of a TLS ClientHello handshake message (the bytes after its 4-byte handshake header) strictly:
 * every length is checked against the structure that contains it, and anything the RFCs forbid is a failure
 * rather than a guess, because the server name decides whether a tunnel may open (design §7).
 *
 * <pre>
 * struct {                                              RFC 8446 §4.1.2, RFC 5246 §7.4.1.2
 *     ProtocolVersion legacy_version;
 *     Random random;                                    32 bytes
 *     opaque legacy_session_id&lt;0..32&gt;;
 *     CipherSuite cipher_suites&lt;2..2^16-2&gt;;
 *     opaque legacy_compression_methods&lt;1..2^8-1&gt;;
 *     Extension extensions&lt;0..2^16-1&gt;;               may be absent altogether (RFC 5246 §7.4.1.2)
 * } ClientHello;
 * </pre>
 *
 * <p>The parser reads with absolute indices and never changes the buffer's indices; on success it allocates the
 * result and the server name, on failure a message.
 */
public final class ClientHelloParser {

    /** The outcome of {@link #parse(ByteBuf)}: a {@link ClientHelloInfo} or a {@link Failure}. */
    public sealed interface Result permits ClientHelloInfo, Failure {
    }

    /**
     * A ClientHello the proxy refuses.
     *
     * @param reason  {@link Reason#CLIENT_HELLO_MALFORMED}, or {@link Reason#NOT_TLS} for an SSL 3.0 hello
     * @param message what is wrong, e.g. {@code server_name has 2 host_name entries}
     */
    public record Failure(Reason reason, String message) implements Result {
    }

    static final int RANDOM_LENGTH = 32;
    static final int MAX_SESSION_ID_LENGTH = 32;
    static final int EXTENSION_SERVER_NAME = 0;
    /** RFC 9849: the outer hello is an ordinary ClientHello; the extension is skipped like any other. */
    static final int EXTENSION_ENCRYPTED_CLIENT_HELLO = 0xfe0d;
    static final int NAME_TYPE_HOST_NAME = 0;
    /** A DNS name is at most 255 bytes on the wire (RFC 1035 §2.3.4), whatever HostName&lt;1..2^16-1&gt; allows. */
    static final int MAX_HOST_NAME_LENGTH = 255;

    private ClientHelloParser() {
    }

    /** Parses the readable bytes of {@code body}, which must be exactly one ClientHello body. */
    public static Result parse(ByteBuf body) {
        try {
            return parse(body, body.readerIndex(), body.writerIndex());
        } catch (Malformed e) {
            return new Failure(e.reason, e.getMessage());
        }
    }

    private static ClientHelloInfo parse(ByteBuf buf, int start, int end) {
        int p = need(start, 2, end, "legacy_version");
        int version = buf.getUnsignedShort(start);
        if (version == 0x0300) {
            throw new Malformed(Reason.NOT_TLS, "ClientHello legacy_version 0x0300 is SSL 3.0 (RFC 7568 forbids it)");
        }
        if (version >>> 8 != 3 || version < 0x0301) {
            // RFC 8446 §4.1.2 / RFC 5246 Appendix E.1: a TLS client sends 0x0301..0x0303; higher minors are tolerated.
            throw malformed("legacy_version " + hex4(version) + " is not a TLS version");
        }
        p = need(p, RANDOM_LENGTH, end, "random");

        int sessionIdLength = buf.getUnsignedByte(need(p, 1, end, "legacy_session_id length") - 1);
        if (sessionIdLength > MAX_SESSION_ID_LENGTH) {
            throw malformed("legacy_session_id is " + sessionIdLength + " bytes (at most 32)");
        }
        p = need(p + 1, sessionIdLength, end, "legacy_session_id");

        int cipherSuitesLength = buf.getUnsignedShort(need(p, 2, end, "cipher_suites length") - 2);
        if (cipherSuitesLength < 2 || (cipherSuitesLength & 1) != 0) {
            throw malformed("cipher_suites length " + cipherSuitesLength + " is not an even number from 2 to 65534");
        }
        p = need(p + 2, cipherSuitesLength, end, "cipher_suites");

        int compressionLength = buf.getUnsignedByte(need(p, 1, end, "compression_methods length") - 1);
        if (compressionLength == 0) {
            throw malformed("compression_methods is empty");
        }
        p = need(p + 1, compressionLength, end, "compression_methods");

        if (p == end) {
            return new ClientHelloInfo(null, version, false); // RFC 5246 §7.4.1.2: extensions may be absent
        }
        int extensionsLength = buf.getUnsignedShort(need(p, 2, end, "extensions length") - 2);
        p += 2;
        if (extensionsLength != end - p) {
            throw malformed("extensions length " + extensionsLength + " does not match the " + (end - p)
                    + " bytes left in the ClientHello");
        }
        return parseExtensions(buf, p, end, version);
    }

    private static ClientHelloInfo parseExtensions(ByteBuf buf, int p, int end, int version) {
        String serverName = null;
        boolean serverNameSeen = false;
        boolean ech = false;
        int[] types = new int[16];
        int count = 0;
        while (p < end) {
            p = need(p, 4, end, "extension header");
            int type = buf.getUnsignedShort(p - 4);
            int length = buf.getUnsignedShort(p - 2);
            // The name is only built when the check fails: this loop runs for every extension of every hello.
            if (length > end - p) {
                need(p, length, end, "extension " + hex4(type));
            }
            int dataEnd = p + length;
            if (type == EXTENSION_SERVER_NAME) {
                if (serverNameSeen) {
                    throw malformed("duplicate server_name extension");
                }
                serverNameSeen = true;
                serverName = parseServerName(buf, p, dataEnd);
            } else if (type == EXTENSION_ENCRYPTED_CLIENT_HELLO) {
                ech = true;
            }
            if (count == types.length) {
                types = Arrays.copyOf(types, count * 2);
            }
            types[count++] = type;
            p = dataEnd;
        }
        // RFC 8446 §4.2: "There MUST NOT be more than one extension of the same type in a given extension block."
        // Sorting keeps a hostile hello of 16k empty extensions O(n log n) rather than O(n^2).
        Arrays.sort(types, 0, count);
        for (int i = 1; i < count; i++) {
            if (types[i] == types[i - 1]) {
                throw malformed("duplicate extension " + hex4(types[i]));
            }
        }
        return new ClientHelloInfo(serverName, version, ech);
    }

    /**
     * RFC 6066 §3: {@code ServerName server_name_list<1..2^16-1>}, each {@code NameType name_type} followed by
     * {@code HostName<1..2^16-1>} for host_name(0). The RFC allows one name per type and defines only host_name, so
     * exactly one host_name entry is accepted: a second name would let two readers of the same hello disagree
     * about where it goes.
     */
    private static String parseServerName(ByteBuf buf, int p, int end) {
        if (p == end) {
            throw malformed("server_name extension is empty");
        }
        int listLength = buf.getUnsignedShort(need(p, 2, end, "server_name list length") - 2);
        p += 2;
        if (listLength != end - p) {
            throw malformed("server_name list length " + listLength + " does not match the " + (end - p)
                    + " bytes left in the extension");
        }
        if (listLength == 0) {
            throw malformed("server_name list is empty");
        }
        int entries = 0;
        int nameStart = 0;
        int nameLength = 0;
        while (p < end) {
            int nameType = buf.getUnsignedByte(p);
            if (nameType != NAME_TYPE_HOST_NAME) {
                throw malformed("server_name entry of name_type " + nameType + " (only host_name(0) is allowed)");
            }
            int length = buf.getUnsignedShort(need(p + 1, 2, end, "server_name entry length") - 2);
            int next = need(p + 3, length, end, "host_name");
            if (entries++ == 0) {
                nameStart = p + 3;
                nameLength = length;
            }
            p = next;
        }
        if (entries != 1) {
            throw malformed("server_name has " + entries + " host_name entries (exactly one is allowed)");
        }
        return hostName(buf, nameStart, nameLength);
    }

    private static String hostName(ByteBuf buf, int start, int length) {
        if (length == 0) {
            throw malformed("server_name host_name is empty");
        }
        if (length > MAX_HOST_NAME_LENGTH) {
            throw malformed("server_name host_name is " + length + " bytes (at most " + MAX_HOST_NAME_LENGTH + ")");
        }
        for (int i = start; i < start + length; i++) {
            int b = buf.getUnsignedByte(i);
            if (b == 0) {
                // design §7: a NUL cuts the name short for C-string readers behind the proxy (the classic
                // "allowed.example\0.evil" certificate-name trick), so the two sides would see different hosts.
                throw malformed("server_name contains a NUL byte");
            }
            if (b < 0x20 || b > 0x7e) {
                throw malformed("server_name contains the byte " + String.format("0x%02x", b)
                        + " (RFC 6066 §3: ASCII host names only)");
            }
        }
        try {
            return HostName.normalise(buf.toString(start, length, StandardCharsets.US_ASCII));
        } catch (InvalidHostException e) {
            // RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in HostName."
            throw malformed("invalid server_name: " + e.getMessage());
        }
    }

    /** Checks that {@code n} bytes from {@code p} fit before {@code end}; returns {@code p + n}. */
    private static int need(int p, int n, int end, String what) {
        if (n > end - p) {
            throw malformed(what + " needs " + n + " bytes but only " + (end - p) + " are left in its container");
        }
        return p + n;
    }

    private static String hex4(int value) {
        return String.format("0x%04x", value);
    }

    private static Malformed malformed(String message) {
        return new Malformed(Reason.CLIENT_HELLO_MALFORMED, message);
    }

    /** Unwinds a failed parse to {@link #parse(ByteBuf)}; never escapes this class and carries no stack trace. */
    private static final class Malformed extends RuntimeException {
        private final transient Reason reason;

        Malformed(Reason reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }
    }
}
