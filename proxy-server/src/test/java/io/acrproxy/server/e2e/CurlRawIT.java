package io.acrproxy.server.e2e;

import static io.acrproxy.server.e2e.AcrLookalike.LEGACY;
import static io.acrproxy.server.e2e.AcrLookalike.MYREG;
import static io.acrproxy.server.e2e.AcrLookalike.STORAGE;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry API by hand with curl through the proxy: ACR's redirect followed, and the refusal it ends in. */
class CurlRawIT {
    @TempDir
    static Path dir;

    private static AcrLookalike acr;
    private static E2eProxy proxy;
    private static Path curl;

    @BeforeAll
    static void start() throws Exception {
        curl = E2eTools.binary("curl", "curl");
        acr = AcrLookalike.get();
        proxy = E2eProxy.start(acr, dir, false);
    }

    @AfterAll
    static void stop() {
        E2eTools.closeAll(proxy);
    }

    private static E2eTools.Result curl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(curl.toString(), "--silent", "--show-error", "--max-time", "20",
                "--proxy", proxy.url(), "--cacert", acr.ca.caPem().toString()));
        command.addAll(List.of(args));
        return E2eTools.run(Map.of(), 30, command);
    }

    @Test
    void aBlobDownloadFollowsTheRedirectToTheDataEndpointThroughTheProxy() throws Exception {
        Path blob = dir.resolve("blob");
        E2eTools.Result r = curl("--location", "--output", blob.toString(), "--write-out", "%{num_redirects} %{url_effective}",
                "https://" + MYREG + "/v2/app/blobs/" + acr.image.layerDigest);

        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).startsWith("1 https://" + AcrLookalike.MYREG_DATA + "/v2/app/blobs/");
        assertThat(TestImage.sha256(Files.readAllBytes(blob))).isEqualTo(acr.image.layerDigest);
    }

    @Test
    void theRedirectToAStorageAccountEndsInTheProxysRefusal() throws Exception {
        E2eTools.Result r = curl("--location", "--verbose", "--output", "/dev/null",
                "https://" + LEGACY + "/v2/app/blobs/" + acr.image.layerDigest);

        assertThat(r.exit()).isEqualTo(56); // CURLE_RECV_ERROR: "CONNECT tunnel failed, response 403"
        assertThat(r.err()).contains("< HTTP/1.1 307")
                .contains("< HTTP/1.1 403 Forbidden by egress policy: " + STORAGE + " is not an allowed storage account");
    }
}
