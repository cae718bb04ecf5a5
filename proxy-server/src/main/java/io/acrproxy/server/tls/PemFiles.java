package io.acrproxy.server.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM files (RFC 7468) with the JDK alone: certificates, and an unencrypted private key in PKCS#8
 * ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}) form. cert-manager writes
 * PKCS#1/SEC1 by default and openssl 3 PKCS#8; the JDK's {@link KeyFactory} takes only PKCS#8, so the other two are
 * wrapped into it (RFC 5208 §5: version, algorithm, the key as an octet string), a few lines of DER instead of a
 * cryptography library.
 */
final class PemFiles {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    /** rsaEncryption, 1.2.840.113549.1.1.1, with its NULL parameters: an AlgorithmIdentifier in DER. */
    private static final byte[] RSA_ALGORITHM = hex("300d06092a864886f70d0101010500");
    /** id-ecPublicKey, 1.2.840.10045.2.1, in DER (the curve's OID follows as the parameters). */
    private static final byte[] EC_PUBLIC_KEY_OID = hex("06072a8648ce3d0201");

    private PemFiles() {
    }

    /** A problem with one file, in words for {@code check-config}: the caller adds the key path. */
    static final class PemException extends Exception {
        PemException(String message) {
            super(message);
        }
    }

    /** Every certificate in {@code file}, in file order. */
    static List<X509Certificate> certificates(Path file) throws IOException, PemException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        List<X509Certificate> certificates = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        CertificateFactory factory = x509();
        while (m.find()) {
            if (!m.group(1).equals("CERTIFICATE")) {
                continue; // a key or parameters kept in the same file, as some tools write them
            }
            try {
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(body(m))));
            } catch (CertificateException | IllegalArgumentException e) {
                throw new PemException("certificate " + (certificates.size() + 1) + " does not parse (" + e.getMessage() + ")");
            }
        }
        return certificates;
    }

    /** The one private key in {@code file}. */
    static PrivateKey privateKey(Path file) throws IOException, PemException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            byte[] der;
            try {
                der = body(m);
            } catch (IllegalArgumentException e) {
                throw new PemException("the " + type + " block is not valid base64");
            }
            switch (type) {
                case "PRIVATE KEY":
                    return pkcs8(der);
                case "RSA PRIVATE KEY":
                    return pkcs8(sequence(concat(new byte[] {2, 1, 0}, RSA_ALGORITHM, octetString(der))));
                case "EC PRIVATE KEY":
                    return pkcs8(sequence(concat(new byte[] {2, 1, 0},
                            sequence(concat(EC_PUBLIC_KEY_OID, Sec1.curve(der))), octetString(der))));
                case "ENCRYPTED PRIVATE KEY":
                    throw new PemException("the key is encrypted (expected: an unencrypted key, readable by the proxy only)");
                default:
                    // certificates or parameters before the key
            }
        }
        throw new PemException("no private key in it (expected: a PEM block BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
    }

    private static PrivateKey pkcs8(byte[] der) throws PemException {
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm; try the next
            }
        }
        throw new PemException("the private key does not parse as RSA, EC or EdDSA");
    }

    private static byte[] body(Matcher m) {
        return Base64.getMimeDecoder().decode(m.group(2));
    }

    private static CertificateFactory x509() {
        try {
            return CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
    }

    /** The parts of SEC1's ECPrivateKey (RFC 5915 §3) that PKCS#8 needs: the curve's OID from its parameters [0]. */
    static final class Sec1 {
        private Sec1() {
        }

        static byte[] curve(byte[] der) throws PemException {
            Der key = new Der(der);
            Der fields = key.enter(0x30);
            fields.skip(0x02); // version 1
            fields.skip(0x04); // the private key
            if (fields.hasMore() && fields.peekTag() == 0xA0) {
                Der parameters = fields.enter(0xA0);
                return parameters.element(0x06);
            }
            throw new PemException("the EC private key does not name its curve (expected: SEC1 with the curve's OID, "
                    + "as openssl and cert-manager write it)");
        }
    }

    /** A reader of the few DER elements above: tag, definite length, content. */
    private static final class Der {
        private final byte[] bytes;
        private int position;
        private final int end;

        Der(byte[] bytes) {
            this(bytes, 0, bytes.length);
        }

        private Der(byte[] bytes, int start, int end) {
            this.bytes = bytes;
            this.position = start;
            this.end = end;
        }

        boolean hasMore() {
            return position < end;
        }

        int peekTag() {
            return bytes[position] & 0xFF;
        }

        /** The content of the next element, which must have {@code tag}, as a reader. */
        Der enter(int tag) throws PemException {
            int[] span = next(tag);
            return new Der(bytes, span[0], span[1]);
        }

        void skip(int tag) throws PemException {
            next(tag);
        }

        /** The next element, tag and length included, which must have {@code tag}. */
        byte[] element(int tag) throws PemException {
            int start = position;
            int[] span = next(tag);
            byte[] out = new byte[span[1] - start];
            System.arraycopy(bytes, start, out, 0, out.length);
            return out;
        }

        private int[] next(int tag) throws PemException {
            if (position + 2 > end || (bytes[position] & 0xFF) != tag) {
                throw new PemException("the EC private key is not SEC1 DER");
            }
            position++;
            int length = bytes[position++] & 0xFF;
            if (length > 0x80) {
                int octets = length - 0x80;
                if (octets > 3 || position + octets > end) {
                    throw new PemException("the EC private key is not SEC1 DER");
                }
                length = new BigInteger(1, java.util.Arrays.copyOfRange(bytes, position, position + octets)).intValueExact();
                position += octets;
            } else if (length == 0x80) {
                throw new PemException("the EC private key is not DER (indefinite length)");
            }
            if (position + length > end) {
                throw new PemException("the EC private key is cut short");
            }
            int[] span = {position, position + length};
            position += length;
            return span;
        }
    }

    private static byte[] sequence(byte[] content) {
        return tagged(0x30, content);
    }

    private static byte[] octetString(byte[] content) {
        return tagged(0x04, content);
    }

    /** A DER element: the tag, the length (short form below 128, else long form), the content. */
    private static byte[] tagged(int tag, byte[] content) {
        int n = content.length;
        byte[] length;
        if (n < 0x80) {
            length = new byte[] {(byte) n};
        } else if (n < 0x100) {
            length = new byte[] {(byte) 0x81, (byte) n};
        } else if (n < 0x10000) {
            length = new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
        } else {
            length = new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
        }
        return concat(new byte[] {(byte) tag}, length, content);
    }

    private static byte[] concat(byte[]... parts) {
        int total = 0;
        for (byte[] p : parts) {
            total += p.length;
        }
        byte[] out = new byte[total];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static byte[] hex(String text) {
        return java.util.HexFormat.of().parseHex(text);
    }
}
