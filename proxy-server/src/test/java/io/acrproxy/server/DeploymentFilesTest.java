package io.acrproxy.server;

import static io.acrproxy.server.DeploymentFiles.execForm;
import static io.acrproxy.server.DeploymentFiles.instructions;
import static io.acrproxy.server.DeploymentFiles.jvmSize;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.acrproxy.policy.Policy;
import io.acrproxy.server.config.LoadedPolicy;
import io.acrproxy.server.config.PolicySpecs;
import io.acrproxy.server.config.ProxyConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The container image, compose file, Kubernetes manifests and systemd unit in docker/ agree with each other and
 * with the proxy: each config they ship loads and compiles, ports, paths, probes, timeouts, memory and JVM
 * settings match. Whoever changes one of them learns here which others must follow.
 */
class DeploymentFilesTest {
    /** Where every deployment reads the config; the directory is what Kubernetes and compose mount. */
    static final String CONFIG_PATH = "/etc/acr-egress-proxy/acr-egress-proxy.yaml";
    static final String JAR_PATH = "/opt/acr-egress-proxy/acr-egress-proxy.jar";
    /** Metaspace, code cache, thread stacks, GC structures: what a JVM needs beyond heap and direct memory. */
    static final long JVM_OVERHEAD = 192L << 20;
    /** What the benchmarks measured (docs/benchmarks.md): below 512 MiB of heap Netty needs lowMemory=false. */
    static final String LOW_MEMORY_OFF = "-Dio.netty.allocator.lowMemory=false";
    private static final Pattern SED = Pattern.compile("sed 's\\|\\^(.*?)\\$\\|(.*?)\\|'");
    private static final Pattern JAVA_OPTS_ENV = Pattern.compile("JAVA_OPTS=\"(.*)\"");
    private static final Pattern ADMIN_CONTEXT = Pattern.compile("routes.put\\(\"(/[a-z]*)\"");

    private final Path root = RepositoryRoot.find();
    private final Path docker = root.resolve("docker");
    private final Path kubernetes = docker.resolve("kubernetes");

    // ------------------------------------------------------------------ container image

    @Test
    void imageDefaultConfigIsTheExampleWithTheAdminPortOnAllInterfaces() throws Exception {
        ProxyConfig config = imageConfig().config();

        assertThat(config.admin().address().isAnyLocalAddress()).as("admin address in the image").isTrue();
        assertThat(config.admin().port()).isEqualTo(9090);
        assertThat(config.listen().port()).isEqualTo(3128);
    }

    @Test
    void imageExposesAndChecksTheConfiguredPorts() throws Exception {
        List<Map.Entry<String, String>> dockerfile = dockerfile();
        ProxyConfig config = imageConfig().config();

        assertThat(instructions(dockerfile, "EXPOSE")).containsExactly(config.listen().port() + " " + config.admin().port());
        String healthcheck = single(instructions(dockerfile, "HEALTHCHECK"));
        assertThat(healthcheck).contains("/dev/tcp/127.0.0.1/" + config.admin().port() + " ").contains("GET /healthz ");
        assertThat(adminPaths()).contains("/healthz");
        assertThat(instructions(dockerfile, "STOPSIGNAL")).containsExactly("SIGTERM");
    }

    @Test
    void imageRunsTheJarWithTheConfigAsANonRootUser() throws Exception {
        List<Map.Entry<String, String>> dockerfile = dockerfile();

        assertThat(execForm(single(instructions(dockerfile, "CMD")))).containsExactly("run", "--config", CONFIG_PATH);
        assertThat(String.join(" ", execForm(single(instructions(dockerfile, "ENTRYPOINT")))))
                .contains("exec java $JAVA_OPTS -jar " + JAR_PATH + " \"$@\"");
        assertThat(instructions(dockerfile, "COPY")).anySatisfy(c -> assertThat(c).endsWith(" " + CONFIG_PATH))
                .anySatisfy(c -> assertThat(c).endsWith(" " + JAR_PATH));
        assertThat(single(instructions(dockerfile, "USER"))).isEqualTo(imageUid() + ":" + imageUid());
        assertThat(imageUid()).isGreaterThanOrEqualTo(1000);
    }

    // ------------------------------------------------------------------ JVM settings

    @Test
    void jvmOptionsAreOneStringEverywhere() throws Exception {
        String image = imageJavaOpts();

        assertThat(deploymentEnv("JAVA_OPTS")).as("deployment.yaml JAVA_OPTS").isEqualTo(image);
        assertThat(single(unit().get("Environment"))).as("systemd Environment").isEqualTo("\"JAVA_OPTS=" + image + "\"");
        assertThat(Files.readString(root.resolve("README.md"))).as("README JVM settings").contains(image);
    }

    @Test
    void jvmOptionsAreTheBenchmarkedOnes() throws Exception {
        String options = imageJavaOpts();
        long heap = jvmSize(options, "-Xmx");

        assertThat(jvmSize(options, "-Xms")).as("-Xms equals -Xmx: the heap is taken at start").isEqualTo(heap);
        assertThat(jvmSize(options, "-XX:MaxDirectMemorySize=")).isPositive();
        assertThat(options).contains("-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError");
        if (heap <= 512L << 20) {
            assertThat(options).contains(LOW_MEMORY_OFF);
        }
        assertThat(Files.readString(root.resolve("docs/benchmarks.md")))
                .contains(options.replace(" -XX:+ExitOnOutOfMemoryError", ""));
    }

    // ------------------------------------------------------------------ Kubernetes

    @Test
    void configMapHoldsAConfigThatLoadsAndCompiles() throws Exception {
        ProxyConfig config = configMapConfig().config();

        assertThat(config.admin().address().isAnyLocalAddress()).as("admin address: probes come from the node").isTrue();
        JsonNode volume = podVolume("config");
        assertThat(volume.path("configMap").path("name").asText()).isEqualTo("acr-egress-proxy");
        assertThat(manifests()).containsKey("ConfigMap/acr-egress-proxy");
    }

    @Test
    void deploymentMountsTheConfigDirectoryWhereTheImageReadsIt() throws Exception {
        JsonNode mount = volumeMount("config");
        Path configPath = Path.of(CONFIG_PATH);

        assertThat(mount.path("mountPath").asText()).isEqualTo(configPath.getParent().toString());
        assertThat(mount.path("readOnly").asBoolean()).isTrue();
        assertThat(mount.has("subPath")).as("subPath mounts never see ConfigMap updates").isFalse();
        assertThat(configMap().path("data").has(configPath.getFileName().toString())).isTrue();
        assertThat(texts(container().path("args"))).containsExactly("run", "--config", CONFIG_PATH);
    }

    @Test
    void containerPortsAndProbesMatchTheConfig() throws Exception {
        ProxyConfig config = configMapConfig().config();
        JsonNode container = container();

        assertThat(containerPort("proxy")).isEqualTo(config.listen().port());
        assertThat(containerPort("admin")).isEqualTo(config.admin().port());
        Map<String, String> probes = Map.of("readinessProbe", "/readyz", "livenessProbe", "/healthz", "startupProbe", "/healthz");
        probes.forEach((probe, path) -> {
            JsonNode get = container.path(probe).path("httpGet");
            assertThat(get.path("path").asText()).as(probe).isEqualTo(path);
            assertThat(portNumber(get.path("port"))).as("%s port", probe).isEqualTo(config.admin().port());
        });
        assertThat(adminPaths()).containsAll(probes.values());
        JsonNode annotations = podTemplate().path("metadata").path("annotations");
        assertThat(annotations.path("prometheus.io/port").asText()).isEqualTo(String.valueOf(config.admin().port()));
        assertThat(adminPaths()).contains(annotations.path("prometheus.io/path").asText());
    }

    @Test
    void podOutlivesTheDrainAndFitsTheJvmInItsMemoryLimit() throws Exception {
        Duration drain = configMapConfig().config().timeouts().drain();
        JsonNode pod = podTemplate().path("spec");
        long preStop = Long.parseLong(texts(container().path("lifecycle").path("preStop").path("exec").path("command")).get(1));

        assertThat(pod.path("terminationGracePeriodSeconds").asLong()).isGreaterThan(drain.toSeconds() + preStop);
        String options = deploymentEnv("JAVA_OPTS");
        long jvm = jvmSize(options, "-Xmx") + jvmSize(options, "-XX:MaxDirectMemorySize=") + JVM_OVERHEAD;
        JsonNode resources = container().path("resources");
        long limit = DeploymentFiles.quantity(resources.path("limits").path("memory").asText());
        assertThat(limit).as("memory limit vs heap + direct memory + JVM overhead").isGreaterThanOrEqualTo(jvm);
        assertThat(DeploymentFiles.quantity(resources.path("requests").path("memory").asText())).isLessThanOrEqualTo(limit);
    }

    @Test
    void podIsLockedDown() throws Exception {
        JsonNode pod = podTemplate().path("spec");
        JsonNode security = container().path("securityContext");

        assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.path("securityContext").path("runAsUser").asInt()).isEqualTo(imageUid());
        assertThat(security.path("readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(security.path("allowPrivilegeEscalation").isBoolean()).isTrue();
        assertThat(security.path("allowPrivilegeEscalation").asBoolean()).isFalse();
        assertThat(texts(security.path("capabilities").path("drop"))).containsExactly("ALL");
        // A read-only root needs a writable /tmp: the JVM's and Netty's scratch space.
        assertThat(volumeMount("tmp").path("mountPath").asText()).isEqualTo("/tmp");
        assertThat(podVolume("tmp").has("emptyDir")).isTrue();
        assertThat(deployment().path("spec").path("replicas").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(pod.has("topologySpreadConstraints") || pod.path("affinity").has("podAntiAffinity")).isTrue();
    }

    @Test
    void servicesBudgetAndPoliciesSelectTheProxyPods() throws Exception {
        Map<String, JsonNode> manifests = manifests();
        JsonNode podLabels = podTemplate().path("metadata").path("labels");
        int admin = configMapConfig().config().admin().port();

        JsonNode proxyService = manifests.get("Service/acr-egress-proxy");
        assertThat(selects(proxyService.path("spec").path("selector"), podLabels)).isTrue();
        assertThat(proxyService.path("spec").path("ports")).singleElement()
                .satisfies(p -> assertThat(portNumber(p.path("targetPort"))).isEqualTo(configMapConfig().config().listen().port()));
        JsonNode metricsService = manifests.get("Service/acr-egress-proxy-metrics");
        assertThat(selects(metricsService.path("spec").path("selector"), podLabels)).isTrue();
        assertThat(metricsService.path("spec").path("ports")).singleElement().satisfies(p -> {
            assertThat(p.path("name").asText()).isEqualTo("metrics");
            assertThat(portNumber(p.path("targetPort"))).isEqualTo(admin);
        });

        JsonNode budget = manifests.get("PodDisruptionBudget/acr-egress-proxy").path("spec");
        assertThat(selects(budget.path("selector").path("matchLabels"), podLabels)).isTrue();
        assertThat(budget.path("minAvailable").asInt()).isBetween(1, deployment().path("spec").path("replicas").asInt() - 1);

        JsonNode policy = manifests.get("NetworkPolicy/acr-egress-proxy").path("spec");
        assertThat(selects(policy.path("podSelector").path("matchLabels"), podLabels)).isTrue();
        for (JsonNode rule : policy.path("ingress")) {
            Set<Integer> ports = new HashSet<>();
            rule.path("ports").forEach(p -> ports.add(portNumber(p.path("port"))));
            if (ports.contains(admin)) {
                assertThat(rule.path("from").isArray() && !rule.path("from").isEmpty())
                        .as("the admin port is open to named sources only").isTrue();
            }
        }
    }

    @Test
    void serviceMonitorScrapesTheMetricsServiceUnderTheAlertsJobName() throws Exception {
        Map<String, JsonNode> manifests = manifests();
        JsonNode monitor = manifests.get("ServiceMonitor/acr-egress-proxy").path("spec");
        JsonNode metricsService = manifests.get("Service/acr-egress-proxy-metrics");

        assertThat(selects(monitor.path("selector").path("matchLabels"), metricsService.path("metadata").path("labels"))).isTrue();
        assertThat(selects(monitor.path("selector").path("matchLabels"), manifests.get("Service/acr-egress-proxy").path("metadata").path("labels")))
                .as("the clients' Service is not scraped").isFalse();
        JsonNode endpoint = monitor.path("endpoints").get(0);
        assertThat(endpoint.path("port").asText()).isEqualTo("metrics");
        assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");
        String job = metricsService.path("metadata").path("labels").path(monitor.path("jobLabel").asText()).asText();
        assertThat(job).as("job label of the scraped series").isEqualTo(prometheusJob(docker.resolve("prometheus.yml")));
    }

    @Test
    void theCommentedParentProxyExamplesLoadAndTheirPasswordVariableIsTheOneTheDeploymentsSet() throws Exception {
        String configMap = configMap().path("data").path(Path.of(CONFIG_PATH).getFileName().toString()).asText();
        Path composeConfig = docker.resolve("config").resolve(Path.of(CONFIG_PATH).getFileName());
        Map<String, String> environment = Map.of("CORP_PROXY_PASSWORD", "corp-secret");

        ProxyConfig k8s = PolicySpecs.load(DeploymentFiles.withParentExample(configMap), Path.of(CONFIG_PATH).getParent(),
                environment::get).config();
        ProxyConfig compose = PolicySpecs.load(DeploymentFiles.withParentExample(Files.readString(composeConfig)),
                Path.of(CONFIG_PATH).getParent(), environment::get).config();

        assertThat(k8s.parents()).extracting(ProxyConfig.Parent::name).containsExactly("corp", "corp2");
        assertThat(k8s.parents()).allSatisfy(p -> assertThat(p.password()).isEqualTo("corp-secret"));
        assertThat(k8s.routing().route(io.acrproxy.policy.host.Authority.parse("myregistry.azurecr.io:443")))
                .isInstanceOf(io.acrproxy.policy.route.Route.Direct.class);
        assertThat(k8s.routing().route(io.acrproxy.policy.host.Authority.parse("mcr.microsoft.com:443")))
                .isInstanceOf(io.acrproxy.policy.route.Route.ViaParents.class);
        assertThat(compose.parents()).extracting(ProxyConfig.Parent::name).containsExactly("corp");
        // the variable the configs name is the one deployment.yaml (commented) and compose.yaml (commented) pass in
        assertThat(Files.readString(kubernetes.resolve("deployment.yaml")))
                .contains("# - name: CORP_PROXY_PASSWORD", "secretKeyRef: {name: corp-proxy, key: password}");
        assertThat(Files.readString(docker.resolve("compose.yaml"))).contains("# environment: [CORP_PROXY_PASSWORD]");
        // and as shipped, the examples are off
        assertThat(configMapConfig().config().parents()).isEmpty();
    }

    // ------------------------------------------------------------------ compose

    @Test
    void composeMountsALoadableConfigAndPrometheusScrapesItsAdminPort() throws Exception {
        JsonNode compose = DeploymentFiles.YAML.readTree(docker.resolve("compose.yaml").toFile());
        JsonNode proxy = compose.path("services").path("acr-egress-proxy");
        String mount = single(texts(proxy.path("volumes")));
        String[] parts = mount.split(":");

        assertThat(parts).hasSize(3);
        assertThat(parts[1]).isEqualTo(Path.of(CONFIG_PATH).getParent().toString());
        assertThat(parts[2]).isEqualTo("ro");
        Path configFile = docker.resolve(parts[0]).resolve(Path.of(CONFIG_PATH).getFileName());
        ProxyConfig config = load(Files.readString(configFile)).config();
        assertThat(texts(proxy.path("ports"))).containsExactly(config.listen().port() + ":" + config.listen().port());
        assertThat(DeploymentFiles.seconds(proxy.path("stop_grace_period").asText())).isGreaterThan(config.timeouts().drain().toSeconds());
        // two sockets per tunnel, and two descriptors per splice pipe
        assertThat(proxy.path("ulimits").path("nofile").path("hard").asInt())
                .isGreaterThan(2 * config.limits().maxConnections() + 2 * config.relay().maxSplicePipes());

        Path prometheus = docker.resolve("prometheus-compose.yml");
        assertThat(texts(compose.path("services").path("prometheus").path("volumes")))
                .contains("./" + prometheus.getFileName() + ":/etc/prometheus/prometheus.yml:ro");
        JsonNode job = DeploymentFiles.YAML.readTree(prometheus.toFile()).path("scrape_configs").get(0);
        assertThat(texts(job.path("static_configs").get(0).path("targets"))).containsExactly("acr-egress-proxy:" + config.admin().port());
        assertThat(prometheusJob(prometheus)).isEqualTo(prometheusJob(docker.resolve("prometheus.yml")));
    }

    // ------------------------------------------------------------------ systemd

    @Test
    void systemdUnitRunsTheJarWithTheConfigAndOutlivesTheDrain() throws Exception {
        Map<String, List<String>> unit = unit();
        // A host installs the commented example as it is.
        ProxyConfig config = load(Files.readString(root.resolve("config/acr-egress-proxy.yaml"))).config();

        assertThat(single(unit.get("ExecStart"))).isEqualTo("/usr/bin/java $JAVA_OPTS -jar " + JAR_PATH + " run --config " + CONFIG_PATH);
        assertThat(single(unit.get("ConfigurationDirectory"))).isEqualTo(Path.of(CONFIG_PATH).getParent().getFileName().toString());
        assertThat(single(unit.get("ExecReload"))).isEqualTo("kill -HUP $MAINPID");
        assertThat(single(unit.get("KillSignal"))).isEqualTo("SIGTERM");
        assertThat(DeploymentFiles.seconds(single(unit.get("TimeoutStopSec")))).isGreaterThan(config.timeouts().drain().toSeconds());
        assertThat(Long.parseLong(single(unit.get("LimitNOFILE"))))
                .isGreaterThan(2L * config.limits().maxConnections() + 2L * config.relay().maxSplicePipes());
        assertThat(single(unit.get("CapabilityBoundingSet"))).isEmpty();
        assertThat(single(unit.get("DynamicUser"))).isEqualTo("yes");
        assertThat(unit).doesNotContainKey("MemoryDenyWriteExecute");
    }

    // ------------------------------------------------------------------ helpers

    private List<Map.Entry<String, String>> dockerfile() throws Exception {
        return DeploymentFiles.dockerfile(docker.resolve("Dockerfile"));
    }

    /** The example config with the Dockerfile's sed applied, as the image holds it. */
    private LoadedPolicy imageConfig() throws Exception {
        Matcher sed = SED.matcher(String.join("\n", instructions(dockerfile(), "RUN")));
        assertThat(sed.find()).as("the Dockerfile's sed of the example config").isTrue();
        List<String> lines = new ArrayList<>(Files.readAllLines(root.resolve("config/acr-egress-proxy.yaml")));
        int at = lines.indexOf(sed.group(1));
        assertThat(at).as("line the Dockerfile replaces, in config/acr-egress-proxy.yaml: %s", sed.group(1)).isNotNegative();
        lines.set(at, sed.group(2));
        return load(String.join("\n", lines));
    }

    /** Loads and compiles config text as check-config does, relative paths against the config directory. */
    private static LoadedPolicy load(String yaml) throws Exception {
        LoadedPolicy loaded = PolicySpecs.load(yaml, Path.of(CONFIG_PATH).getParent());
        Policy.compile(loaded.spec());
        return loaded;
    }

    private String imageJavaOpts() throws Exception {
        Matcher m = JAVA_OPTS_ENV.matcher(single(instructions(dockerfile(), "ENV")));
        assertThat(m.matches()).isTrue();
        return m.group(1);
    }

    private int imageUid() throws Exception {
        return Integer.parseInt(single(instructions(dockerfile(), "USER")).split(":")[0]);
    }

    /** The paths the admin server registers, read from its source: probes must name one of them. */
    private Set<String> adminPaths() throws Exception {
        String source = Files.readString(root.resolve("proxy-server/src/main/java/io/acrproxy/server/admin/AdminServer.java"));
        Set<String> paths = new HashSet<>();
        Matcher m = ADMIN_CONTEXT.matcher(source);
        while (m.find()) {
            paths.add(m.group(1));
        }
        return paths;
    }

    private Map<String, JsonNode> manifests() throws Exception {
        return DeploymentFiles.manifests(kubernetes);
    }

    private JsonNode configMap() throws Exception {
        return manifests().get("ConfigMap/acr-egress-proxy");
    }

    private LoadedPolicy configMapConfig() throws Exception {
        return load(configMap().path("data").path(Path.of(CONFIG_PATH).getFileName().toString()).asText());
    }

    private JsonNode deployment() throws Exception {
        return manifests().get("Deployment/acr-egress-proxy");
    }

    private JsonNode podTemplate() throws Exception {
        return deployment().path("spec").path("template");
    }

    private JsonNode container() throws Exception {
        return podTemplate().path("spec").path("containers").get(0);
    }

    private String deploymentEnv(String name) throws Exception {
        for (JsonNode env : container().path("env")) {
            if (env.path("name").asText().equals(name)) {
                return env.path("value").asText();
            }
        }
        throw new AssertionError("no env " + name + " in deployment.yaml");
    }

    private int containerPort(String name) throws Exception {
        for (JsonNode port : container().path("ports")) {
            if (port.path("name").asText().equals(name)) {
                return port.path("containerPort").asInt();
            }
        }
        throw new AssertionError("no container port " + name);
    }

    /** A port given by number or by the container port's name. */
    private int portNumber(JsonNode port) {
        try {
            return port.isInt() ? port.asInt() : containerPort(port.asText());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private JsonNode volumeMount(String name) throws Exception {
        return named(container().path("volumeMounts"), name);
    }

    private JsonNode podVolume(String name) throws Exception {
        return named(podTemplate().path("spec").path("volumes"), name);
    }

    private static JsonNode named(JsonNode list, String name) {
        for (JsonNode item : list) {
            if (item.path("name").asText().equals(name)) {
                return item;
            }
        }
        throw new AssertionError("nothing named " + name + " in " + list);
    }

    /** Whether every label of a selector is on the object. */
    private static boolean selects(JsonNode selector, JsonNode labels) {
        assertThat(selector.isObject() && !selector.isEmpty()).as("selector %s", selector).isTrue();
        for (Map.Entry<String, JsonNode> label : selector.properties()) {
            if (!label.getValue().asText().equals(labels.path(label.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    private Map<String, List<String>> unit() throws Exception {
        return DeploymentFiles.unit(docker.resolve("acr-egress-proxy.service"));
    }

    private static String prometheusJob(Path config) throws Exception {
        return DeploymentFiles.YAML.readTree(config.toFile()).path("scrape_configs").get(0).path("job_name").asText();
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static <T> T single(List<T> values) {
        assertThat(values).as("values").hasSize(1);
        return values.get(0);
    }
}
