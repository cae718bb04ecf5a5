package io.acrproxy.core.inspect;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/** Real ClientHellos from the JDK's TLS stack, and a builder for the hand-made ones the edge cases need. */
final class TlsHelloBytes {

    static final int EXT_SUPPORTED_GROUPS = 0x000a;
    static final int EXT_PADDING = 0x0015;

    private TlsHelloBytes() {
    }

    /**
     * The first flight of a JDK TLS client (TLS 1.3 and 1.2 offered): the ClientHello as TLS records, exactly as
     * the JDK would send it to the proxy after {@code 200}. {@code serverName == null} sends no server_name.
     */
    static byte[] jdkClientHello(String serverName) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, null, null);
            SSLEngine engine = serverName == null ? context.createSSLEngine() : context.createSSLEngine(serverName, 443);
            engine.setUseClientMode(true);
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
            engine.setSSLParameters(parameters);
            ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            SSLEngineResult result = engine.wrap(ByteBuffer.allocate(0), out);
            if (result.getStatus() != SSLEngineResult.Status.OK) {
                throw new IllegalStateException("SSLEngine.wrap: " + result);
            }
            return Arrays.copyOf(out.array(), out.position());
        } catch (SSLException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The handshake messages carried by a run of handshake records, with the record framing removed. */
    static byte[] handshakeOf(byte[] records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int p = 0;
        while (p < records.length) {
            int length = ((records[p + 3] & 0xff) << 8) | (records[p + 4] & 0xff);
            out.write(records, p + 5, length);
            p += 5 + length;
        }
        return out.toByteArray();
    }

    /** The ClientHello body of a handshake message (its 4-byte header removed). */
    static byte[] bodyOf(byte[] handshake) {
        return Arrays.copyOfRange(handshake, 4, handshake.length);
    }

    /** A client_hello handshake message around {@code body}. */
    static byte[] handshake(byte[] body) {
        return new Writer().u8(1).u24(body.length).bytes(body).toByteArray();
    }

    /** {@code handshake} framed as records of {@code version}, at most {@code fragmentSize} bytes each. */
    static byte[] records(byte[] handshake, int version, int fragmentSize) {
        Writer out = new Writer();
        for (int p = 0; p < handshake.length; p += fragmentSize) {
            int n = Math.min(fragmentSize, handshake.length - p);
            out.u8(22).u16(version).u16(n).bytes(Arrays.copyOfRange(handshake, p, p + n));
        }
        return out.toByteArray();
    }

    /** One record of any type and version around {@code payload}. */
    static byte[] record(int type, int version, byte[] payload) {
        return new Writer().u8(type).u16(version).u16(payload.length).bytes(payload).toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        Writer out = new Writer();
        for (byte[] part : parts) {
            out.bytes(part);
        }
        return out.toByteArray();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** server_name extension data with one host_name entry per name (RFC 6066 §3). */
    static byte[] serverNames(String... names) {
        Writer list = new Writer();
        for (String name : names) {
            list.bytes(nameEntry(0, ascii(name)));
        }
        return nameList(list.toByteArray());
    }

    static byte[] nameEntry(int nameType, byte[] name) {
        return new Writer().u8(nameType).u16(name.length).bytes(name).toByteArray();
    }

    static byte[] nameList(byte[] entries) {
        return new Writer().u16(entries.length).bytes(entries).toByteArray();
    }

    static Body body() {
        return new Body();
    }

    /** A ClientHello body, valid unless told otherwise. */
    static final class Body {
        private int legacyVersion = 0x0303;
        private int sessionIdLength = 32;
        private byte[] cipherSuites = {0x13, 0x01, 0x13, 0x02, (byte) 0xc0, 0x2f};
        private byte[] compression = {0};
        private final List<byte[]> extensions = new ArrayList<>();
        private boolean extensionsBlock = true;
        private byte[] trailing = new byte[0];

        Body legacyVersion(int version) {
            this.legacyVersion = version;
            return this;
        }

        Body sessionIdLength(int length) {
            this.sessionIdLength = length;
            return this;
        }

        Body cipherSuites(byte[] suites) {
            this.cipherSuites = suites;
            return this;
        }

        Body compression(byte[] methods) {
            this.compression = methods;
            return this;
        }

        /** No extensions block at all: the body ends after compression_methods (RFC 5246 §7.4.1.2). */
        Body noExtensions() {
            this.extensionsBlock = false;
            return this;
        }

        Body serverName(String... names) {
            return extension(0, serverNames(names));
        }

        Body extension(int type, byte[] data) {
            extensions.add(new Writer().u16(type).u16(data.length).bytes(data).toByteArray());
            return this;
        }

        /** Raw bytes appended to the extensions block, counted in its length. */
        Body rawExtension(byte[] raw) {
            extensions.add(raw);
            return this;
        }

        /** Bytes after the extensions block, not counted in any length. */
        Body trailing(byte[] bytes) {
            this.trailing = bytes;
            return this;
        }

        byte[] build() {
            Writer w = new Writer().u16(legacyVersion).bytes(new byte[32]);
            w.u8(sessionIdLength).bytes(new byte[sessionIdLength]);
            w.u16(cipherSuites.length).bytes(cipherSuites);
            w.u8(compression.length).bytes(compression);
            if (extensionsBlock) {
                byte[] block = concat(extensions.toArray(new byte[0][]));
                w.u16(block.length).bytes(block);
            }
            return w.bytes(trailing).toByteArray();
        }

        /** The body as one client_hello handshake message in one record of version 0x0301. */
        byte[] toRecords() {
            return records(handshake(build()), 0x0301, 1 << 14);
        }
    }

    /** Big-endian TLS presentation-language writer. */
    static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Writer u8(int v) {
            out.write(v);
            return this;
        }

        Writer u16(int v) {
            return u8(v >>> 8).u8(v);
        }

        Writer u24(int v) {
            return u8(v >>> 16).u16(v);
        }

        Writer bytes(byte[] b) {
            out.write(b, 0, b.length);
            return this;
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
