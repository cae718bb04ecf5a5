package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** curl, a real third-party client, through the proxy to a TLS origin it verifies (.ci/run installs curl). */
class CurlIT {
    @RegisterExtension
    static final TlsOriginExtension origin = TlsOriginExtension.on("127.0.0.24");

    @TempDir
    Path dir;

    private ProxyFixture proxy() throws Exception {
        return new ProxyFixture("""
                registries: [{name: myregistry}]
                ports: [%d]
                destinations: {denyRanges: ['169.254.0.0/16']}
                resolver: {hosts: {myregistry.azurecr.io: 127.0.0.24, evilreg.azurecr.io: 127.0.0.24}}
                """.formatted(origin.port()), dir, new ProxyServerIT.FailingResolver());
    }

    @Test
    void curlReachesAnAllowedRegistryAndIsToldWhyAnotherIsRefused() throws Exception {
        try (ProxyFixture proxy = proxy()) {
            String proxyUrl = "http://127.0.0.1:" + proxy.address().getPort();
            String ca = TestTls.get().caPem().toString();

            Curl.Result ok = Curl.run("--cacert", ca, "--proxy", proxyUrl, "--write-out", "\\n%{http_code}",
                    "https://myregistry.azurecr.io:" + origin.port() + "/v2/");
            assertThat(ok.exit()).as(ok.err()).isZero();
            assertThat(ok.out()).contains("\"path\":\"/v2/\"").endsWith("\n200");

            Curl.Result denied = Curl.run("--verbose", "--cacert", ca, "--proxy", proxyUrl, "https://evilreg.azurecr.io:" + origin.port() + "/v2/");
            assertThat(denied.exit()).isEqualTo(56); // CURLE_RECV_ERROR: "CONNECT tunnel failed, response 403"
            assertThat(denied.err())
                    .contains("CONNECT tunnel failed, response 403")
                    .contains("< HTTP/1.1 403 Forbidden by egress policy: evilreg.azurecr.io is not an allowed registry endpoint");
        }
    }

    /**
     * The common mistake of an {@code https://} proxy URL for this plain-HTTP port: curl starts TLS with the proxy and
     * gets the 400 in clear text, which OpenSSL reports as "wrong version number"; the access log says what happened.
     */
    @Test
    void anHttpsProxyUrlForThePlainPortIsRefusedAtOnceAndTheLogSaysWhy() throws Exception {
        try (ProxyFixture proxy = proxy()) {
            Curl.Result r = Curl.run("--proxy-insecure", "--proxy", "https://127.0.0.1:" + proxy.address().getPort(),
                    "--cacert", TestTls.get().caPem().toString(), "https://myregistry.azurecr.io:" + origin.port() + "/v2/");

            assertThat(r.exit()).as(r.err()).isEqualTo(35); // CURLE_SSL_CONNECT_ERROR, at once rather than at a timeout
            assertThat(r.err()).contains("wrong version number");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(proxy.accessLines())
                    .anySatisfy(line -> assertThat(line)
                            .contains("\"reason\":\"malformed_request\"")
                            .contains("this is a TLS handshake, but this port speaks plain HTTP: use an http:// proxy URL")));
        }
    }

    /**
     * README, "A server name that is not the CONNECT host": after its 200 the proxy can only answer with a TLS alert,
     * unrecognized_name for sni_mismatch (design §7.4), and curl prints that alert, not a status.
     */
    @Test
    void curlPrintsTheUnrecognizedNameAlertWhenItsServerNameIsNotTheConnectHost() throws Exception {
        try (ProxyFixture proxy = proxy()) {
            String proxyUrl = "http://127.0.0.1:" + proxy.address().getPort();
            String ca = TestTls.get().caPem().toString();
            int port = origin.port();

            // --connect-to: curl asks the proxy for myregistry.azurecr.io, its ClientHello names other.example.
            Curl.Result r = Curl.run("--verbose", "--cacert", ca, "--proxy", proxyUrl,
                    "--connect-to", "other.example:" + port + ":myregistry.azurecr.io:" + port, "https://other.example:" + port + "/v2/");

            assertThat(r.exit()).as(r.err()).isEqualTo(35); // CURLE_SSL_CONNECT_ERROR
            assertThat(r.err())
                    .contains("> CONNECT myregistry.azurecr.io:" + port + " HTTP/1.1")
                    .contains("< HTTP/1.1 200 Connection established")
                    .contains("TLS alert, unrecognized name")
                    .contains("tlsv1 unrecognized name");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(proxy.accessLines())
                    .anySatisfy(line -> assertThat(line)
                            .contains("\"target\":\"myregistry.azurecr.io:" + port + "\"")
                            .contains("\"sni\":\"other.example\"")
                            .contains("\"reason\":\"sni_mismatch\"")));
        }
    }
}
