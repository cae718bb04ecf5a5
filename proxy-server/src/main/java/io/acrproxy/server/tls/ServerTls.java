package io.acrproxy.server.tls;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS port's server side (design §2.4): the context new handshakes use, made from {@code listenTls}'s files and
 * made again when they change. A connection keeps the context it started with, so a rotation never touches an open
 * tunnel; files that do not load (a half-written rotation, a key that does not match) leave the context in force and
 * are reported, as a broken config is.
 */
public final class ServerTls {
    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);
    /** TLS 1.2 and 1.3 only: every client this proxy serves (Go, curl, .NET) has had 1.2 for a decade. */
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /**
     * Forward secrecy and AEAD only, the 1.3 suites first: Mozilla's "intermediate" list. Go's TLS client offers all
     * of these; the CBC and RSA key-exchange suites it would also take are left out.
     */
    static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private final TlsFiles files;
    private final Clock clock;
    private volatile InForce inForce;
    private Counter reloaded;
    private Counter reloadFailed;

    private record InForce(SslContext context, ServerCertificate certificate) {
    }

    private ServerTls(TlsFiles files, Clock clock, InForce inForce) {
        this.files = files;
        this.clock = clock;
        this.inForce = inForce;
    }

    /** Reads the files; the proxy does not start when they do not load. */
    public static ServerTls load(TlsFiles files, Clock clock) throws ServerCertificate.Problem {
        return new ServerTls(files, clock, make(files, clock));
    }

    private static InForce make(TlsFiles files, Clock clock) throws ServerCertificate.Problem {
        ServerCertificate certificate = ServerCertificate.load(files, clock.instant());
        try {
            return new InForce(context(certificate, files.requireClientCert()), certificate);
        } catch (SSLException | IllegalArgumentException e) {
            throw new ServerCertificate.Problem("certFile", files.certFile(), "the certificate and key make no TLS context ("
                    + e.getMessage() + ")");
        }
    }

    static SslContext context(ServerCertificate certificate, boolean requireClientCert) throws SSLException {
        SslContextBuilder builder = SslContextBuilder
                .forServer(certificate.key(), certificate.chain().toArray(new X509Certificate[0]))
                .sslProvider(provider())
                .protocols(PROTOCOLS)
                .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                // The proxy speaks HTTP/1.1 only; a client that offers nothing else gets no ALPN answer and may go on.
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_1_1));
        if (!certificate.clientCas().isEmpty()) {
            // The JDK's PKIX trust manager checks the chain, each certificate's validity and, where the certificate
            // says, its key usage and extended key usage (clientAuth).
            builder.trustManager(certificate.clientCas().toArray(new X509Certificate[0]))
                    .clientAuth(requireClientCert ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
        }
        return builder.build();
    }

    /**
     * BoringSSL through netty-tcnative where its native library loads (linux-x86_64 is bundled), else the JDK's TLS.
     * Measured (docs/benchmarks.md): BoringSSL set up several times more TLS tunnels per CPU second than the JDK.
     * {@code -Dacrproxy.tls.provider=jdk} forces the JDK's, for that comparison.
     */
    static SslProvider provider() {
        boolean jdk = "jdk".equalsIgnoreCase(System.getProperty("acrproxy.tls.provider"));
        return !jdk && OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** The context for the next handshake. */
    public SslContext context() {
        return inForce.context();
    }

    public TlsFiles files() {
        return files;
    }

    /** The certificate new handshakes present. */
    public X509Certificate certificate() {
        return inForce.certificate().certificate();
    }

    /**
     * Reads the files again after a change. Files that do not load leave the certificate in force and are logged and
     * counted ({@code acrproxy_tls_reloads_total{result="failure"}}).
     *
     * @return whether the new files are in force
     */
    public boolean reload() {
        try {
            InForce next = make(files, clock);
            inForce = next;
            LOG.info("listenTls: certificate reloaded: {}, valid until {}", next.certificate().certificate()
                    .getSubjectX500Principal().getName(), next.certificate().certificate().getNotAfter().toInstant());
            if (reloaded != null) {
                reloaded.increment();
            }
            return true;
        } catch (ServerCertificate.Problem e) {
            LOG.warn("listenTls: the changed files are not used, the certificate in force stays: listenTls.{}: {}",
                    e.key(), e.getMessage());
            if (reloadFailed != null) {
                reloadFailed.increment();
            }
            return false;
        }
    }

    /** Seconds until the certificate in force expires; negative once it has. */
    public double secondsUntilExpiry() {
        return Duration.between(clock.instant(), certificate().getNotAfter().toInstant()).toMillis() / 1000.0;
    }

    /** {@code acrproxy_tls_certificate_expiry_seconds} and {@code acrproxy_tls_reloads_total{result}}. */
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("acrproxy.tls.certificate.expiry", this, ServerTls::secondsUntilExpiry).baseUnit("seconds")
                .description("Seconds until the TLS port's certificate expires").register(registry);
        reloaded = Counter.builder("acrproxy.tls.reloads").tag("result", "success")
                .description("Reloads of the TLS port's certificate after its files changed").register(registry);
        reloadFailed = Counter.builder("acrproxy.tls.reloads").tag("result", "failure")
                .description("Reloads of the TLS port's certificate after its files changed").register(registry);
    }
}
