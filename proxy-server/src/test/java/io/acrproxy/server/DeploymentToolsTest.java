package io.acrproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The deployment files pass the checkers of their own ecosystems, where those are installed. */
class DeploymentToolsTest {
    /** systemd-analyze's complaint about an ExecStart/ExecReload binary this machine lacks: the host's business. */
    private static final Pattern NOT_EXECUTABLE = Pattern.compile(".*: Command (\\S+) is not executable: No such file or directory");

    private final Path docker = RepositoryRoot.find().resolve("docker");

    @TempDir
    Path tmp;

    /**
     * Every unknown key, bad value or syntax error in the unit fails. A missing /usr/bin/java (the unit names
     * Debian's path; a build machine may have its JDK elsewhere) is the only complaint let through.
     */
    @Test
    void systemdAnalyzeAcceptsTheUnit() throws Exception {
        ExternalTool systemdAnalyze = ExternalTool.require("systemd-analyze", "Debian package systemd; .ci/run installs it");
        Path unit = docker.resolve("acr-egress-proxy.service");

        ExternalTool.Result result = systemdAnalyze.run(docker, tmp, "verify", "--man=no", unit.toString());

        List<String> complaints = Arrays.stream(result.output().split("\n")).filter(l -> !l.isBlank())
                .filter(l -> !missingBinary(l)).toList();
        assertThat(complaints).as("systemd-analyze verify output:%n%s", result.output()).isEmpty();
        if (result.output().isBlank()) {
            assertThat(result.exitStatus()).isZero();
        }
    }

    /**
     * kubectl cannot validate offline ({@code apply} and {@code create --dry-run=client} need an API server for
     * discovery), but {@code label --local} reads every document as a Kubernetes object: well-formed YAML with
     * apiVersion, kind and name. No schema check: DeploymentFilesTest checks the fields that matter.
     */
    @Test
    void kubectlReadsEveryManifest() throws Exception {
        ExternalTool kubectl = ExternalTool.require("kubectl", "not a Debian package; CI skips this");
        Path manifests = docker.resolve("kubernetes");

        ExternalTool.Result result = kubectl.run(manifests, tmp, "label", "--local", "-o", "name", "-f", manifests.toString(),
                "checked=yes");

        assertThat(result.exitStatus()).as("kubectl output:%n%s", result.output()).isZero();
        assertThat(result.output().lines().toList()).containsExactlyInAnyOrder(
                "configmap/acr-egress-proxy",
                "deployment.apps/acr-egress-proxy",
                "service/acr-egress-proxy",
                "service/acr-egress-proxy-metrics",
                "poddisruptionbudget.policy/acr-egress-proxy",
                "networkpolicy.networking.k8s.io/acr-egress-proxy",
                "servicemonitor.monitoring.coreos.com/acr-egress-proxy");
    }

    private static boolean missingBinary(String line) {
        Matcher m = NOT_EXECUTABLE.matcher(line);
        return m.matches() && !Files.isExecutable(Path.of(m.group(1)));
    }
}
