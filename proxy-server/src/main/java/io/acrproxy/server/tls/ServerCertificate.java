package io.acrproxy.server.tls;

import io.acrproxy.server.config.IoProblems;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * The TLS port's key and certificate chain, and the CAs its clients' certificates must chain to, read and checked
 * (design §2.4): each problem names the {@code listenTls} key whose file has it, so that {@code check-config}, the
 * start and a reload report it the same way.
 *
 * @param clientCas empty when no client certificate is asked for
 */
public record ServerCertificate(PrivateKey key, List<X509Certificate> chain, List<X509Certificate> clientCas) {
    public ServerCertificate {
        chain = List.copyOf(chain);
        clientCas = List.copyOf(clientCas);
    }

    /** A problem with one of the files: {@code key} is {@code certFile}, {@code keyFile} or {@code clientCaFile}. */
    public static final class Problem extends Exception {
        private final String key;

        Problem(String key, Path file, String message) {
            super(file + ": " + message);
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    /** The proxy's own certificate, the first of the chain. */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /**
     * Reads and checks the files: a chain whose first certificate is valid at {@code now}, a key that belongs to it,
     * and with {@code clientCaFile} at least one CA certificate.
     */
    public static ServerCertificate load(TlsFiles files, Instant now) throws Problem {
        List<X509Certificate> chain = certificates(files.certFile(), "certFile");
        if (chain.isEmpty()) {
            throw new Problem("certFile", files.certFile(),
                    "no certificate in it (expected: a PEM chain, the proxy's certificate first)");
        }
        X509Certificate leaf = chain.get(0);
        try {
            leaf.checkValidity(Date.from(now));
        } catch (CertificateExpiredException e) {
            throw new Problem("certFile", files.certFile(), "the certificate expired on " + leaf.getNotAfter().toInstant()
                    + " (expected: a certificate valid now)");
        } catch (CertificateNotYetValidException e) {
            throw new Problem("certFile", files.certFile(), "the certificate is not valid before "
                    + leaf.getNotBefore().toInstant() + " (expected: a certificate valid now)");
        }
        PrivateKey key;
        try {
            key = PemFiles.privateKey(files.keyFile());
        } catch (IOException e) {
            throw new Problem("keyFile", files.keyFile(), IoProblems.describe(e));
        } catch (PemFiles.PemException e) {
            throw new Problem("keyFile", files.keyFile(), e.getMessage());
        }
        if (!belongsTo(key, leaf)) {
            throw new Problem("keyFile", files.keyFile(), "the key does not belong to the certificate in listenTls.certFile ("
                    + leaf.getSubjectX500Principal().getName() + ")");
        }
        List<X509Certificate> cas = List.of();
        if (files.clientCaFile() != null) {
            cas = certificates(files.clientCaFile(), "clientCaFile");
            if (cas.isEmpty()) {
                throw new Problem("clientCaFile", files.clientCaFile(),
                        "no certificate in it (expected: the PEM certificates of the CAs that issue client certificates)");
            }
        }
        return new ServerCertificate(key, chain, cas);
    }

    private static List<X509Certificate> certificates(Path file, String key) throws Problem {
        try {
            return PemFiles.certificates(file);
        } catch (IOException e) {
            throw new Problem(key, file, IoProblems.describe(e));
        } catch (PemFiles.PemException e) {
            throw new Problem(key, file, e.getMessage());
        }
    }

    /** Signs with the key and verifies with the certificate: the one test that fits RSA, EC and EdDSA alike. */
    private static boolean belongsTo(PrivateKey key, X509Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448
        };
        byte[] probe = "acr-egress-proxy key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // a key of another algorithm than the certificate's
        }
    }
}
