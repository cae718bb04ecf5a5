package io.acrproxy.server.e2e;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Debian's skopeo run with {@code HTTPS_PROXY}, as Podman and CRI-O users' pulls go (containers/image). */
final class Skopeo {
    private final Path binary;
    private final Path home;
    private final AcrLookalike acr;

    /** @param home its {@code HOME}: no user's registry credentials or configuration */
    Skopeo(AcrLookalike acr, Path home) {
        this.binary = E2eTools.binary("skopeo", "skopeo");
        this.acr = acr;
        this.home = home;
    }

    E2eTools.Result run(String proxyUrl, String... args) throws Exception {
        return run(proxyUrl, Map.of(), args);
    }

    /** @param environment added to skopeo's, e.g. {@code SSL_CERT_FILE} to trust an {@code https://} proxy's CA */
    E2eTools.Result run(String proxyUrl, Map<String, String> environment, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--insecure-policy", "--command-timeout", "60s"));
        command.addAll(List.of(args));
        // NO_PROXY empty so that nothing bypasses the proxy.
        Map<String, String> env = new java.util.HashMap<>(Map.of("HTTPS_PROXY", proxyUrl, "NO_PROXY", "", "no_proxy", "",
                "HOME", home.toString()));
        env.putAll(environment);
        return E2eTools.run(env, 90, command);
    }

    /** {@code skopeo copy docker://host/app:1 dir:to}, trusting the look-alike's CA. */
    E2eTools.Result copy(String proxyUrl, String host, Path to) throws Exception {
        return run(proxyUrl, "copy", "--src-cert-dir", acr.ca.certDir().toString(), "docker://" + acr.image.reference(host),
                "dir:" + to);
    }
}
