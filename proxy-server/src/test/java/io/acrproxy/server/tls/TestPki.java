package io.acrproxy.server.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates and keys for the TLS port's tests, made by Debian's openssl (which {@code .ci/run} installs) in a
 * directory of the test's: a CA, server certificates with RSA or EC keys in PKCS#8, PKCS#1 or SEC1 form, and client
 * certificates, as cert-manager, Key Vault and an IoT Edge device CA would hand them over. Nothing is committed.
 */
public final class TestPki {
    private final Path dir;

    public TestPki(Path dir) throws IOException, InterruptedException {
        this.dir = dir;
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
                "-out", "ca.crt", "-days", "3", "-subj", "/CN=acr-egress-proxy test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    }

    public Path dir() {
        return dir;
    }

    /** The CA's certificate: what clients trust for the proxy, and {@code clientCaFile}. */
    public Path caCertificate() {
        return dir.resolve("ca.crt");
    }

    /** Whether openssl can be run here; tests that need it are skipped without it. */
    public static boolean available() {
        try {
            Process p = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The key forms a server key may come in. */
    public enum KeyForm { RSA_PKCS8, RSA_PKCS1, EC_PKCS8, EC_SEC1 }

    /** A certificate and key issued by the CA, as {@code name.crt} (the chain: leaf, then the CA) and {@code name.key}. */
    public record Issued(Path certificate, Path key) {
    }

    /** A server certificate for {@code dnsName} and 127.0.0.1, valid for {@code days}. */
    public Issued server(String name, String dnsName, KeyForm form, int days) throws IOException, InterruptedException {
        return issue(name, "/CN=" + dnsName, "subjectAltName=DNS:" + dnsName + ",IP:127.0.0.1",
                "extendedKeyUsage=serverAuth", form, days);
    }

    /** A client certificate (extended key usage clientAuth) whose identity is {@code dnsName}, or its CN without a SAN. */
    public Issued client(String name, String dnsName, boolean withSan) throws IOException, InterruptedException {
        return issue(name, "/CN=" + dnsName, withSan ? "subjectAltName=DNS:" + dnsName : null,
                "extendedKeyUsage=clientAuth", KeyForm.EC_PKCS8, 2);
    }

    private Issued issue(String name, String subject, String san, String usage, KeyForm form, int days)
            throws IOException, InterruptedException {
        String key = name + ".key";
        switch (form) {
            case RSA_PKCS8, RSA_PKCS1 -> openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key);
            case EC_PKCS8, EC_SEC1 -> openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key);
        }
        List<String> request = new ArrayList<>(List.of("req", "-new", "-key", key, "-subj", subject, "-out", name + ".csr",
                "-addext", usage));
        if (san != null) {
            request.addAll(List.of("-addext", san));
        }
        openssl(request.toArray(new String[0]));
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-copy_extensions", "copyall", "-days", String.valueOf(days), "-out", name + ".leaf");
        Files.writeString(dir.resolve(name + ".crt"),
                Files.readString(dir.resolve(name + ".leaf")) + Files.readString(caCertificate()));
        // genpkey writes PKCS#8; the traditional forms are what cert-manager writes by default.
        String traditional = name + "-traditional.key";
        switch (form) {
            case RSA_PKCS1 -> openssl("rsa", "-in", key, "-traditional", "-out", traditional);
            case EC_SEC1 -> openssl("ec", "-in", key, "-out", traditional);
            default -> {
                return new Issued(dir.resolve(name + ".crt"), dir.resolve(key));
            }
        }
        return new Issued(dir.resolve(name + ".crt"), dir.resolve(traditional));
    }

    /** Runs openssl in the directory; its output becomes the exception's message when it fails. */
    public void openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }
}
