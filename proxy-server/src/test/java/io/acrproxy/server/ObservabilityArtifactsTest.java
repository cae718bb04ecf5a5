package io.acrproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped dashboard, alert rules and Prometheus config (docker/) read only metrics the proxy documents, and
 * Prometheus' own checker accepts them when it is installed (.ci/run installs it).
 */
class ObservabilityArtifactsTest {
    /**
     * The metrics of design §9.1, as exposed in the Prometheus text format. The engineer who changes a metric name
     * changes it here too, and this test then names every dashboard panel and alert that must follow.
     */
    static final Set<String> ACRPROXY_METRICS = Set.of(
            "acrproxy_requests_total",
            "acrproxy_denied_requests_total",
            "acrproxy_would_deny_requests_total",
            "acrproxy_upstream_failures_total",
            "acrproxy_tunnels_active",
            "acrproxy_connections_active",
            "acrproxy_tunnel_bytes_total",
            "acrproxy_policy_reloads_total",
            "acrproxy_policy_last_success_timestamp_seconds",
            "acrproxy_policy_info",
            "acrproxy_service_tags_change_number",
            "acrproxy_tunnels_revoked_total",
            "acrproxy_connections_ended_total",
            "acrproxy_accept_errors_total",
            "acrproxy_access_log_dropped_total",
            "acrproxy_probes_total",
            "acrproxy_parent_up",
            "acrproxy_parent_failures_total",
            "acrproxy_tls_certificate_expiry_seconds",
            "acrproxy_tls_reloads_total");

    /** design §9.1 timers, exposed as {@code _bucket}, {@code _count}, {@code _sum} and a {@code _max} gauge. */
    static final Set<String> ACRPROXY_HISTOGRAMS = Set.of(
            "acrproxy_tunnel_duration_seconds",
            "acrproxy_upstream_connect_seconds",
            "acrproxy_dns_resolve_seconds",
            "acrproxy_parent_connect_seconds");

    /** Micrometer's JVM, process and Netty allocator binders: the few the dashboard reads. */
    static final Set<String> STANDARD_METRICS = Set.of(
            "jvm_memory_used_bytes",
            "jvm_memory_committed_bytes",
            "jvm_memory_max_bytes",
            "jvm_threads_live_threads",
            "process_cpu_usage",
            "system_cpu_usage",
            "process_files_open_files",
            "process_files_max_files",
            "netty_allocator_memory_used_bytes",
            "netty_allocator_memory_pinned_bytes");

    static final Set<String> STANDARD_HISTOGRAMS = Set.of("jvm_gc_pause_seconds");

    static final List<String> HISTOGRAM_SUFFIXES = List.of("_bucket", "_count", "_sum", "_max");

    static final Set<String> ALERTS = Set.of(
            "AcrProxyDown",
            "AcrProxyDenialSpike",
            "AcrProxyPolicyReloadFailing",
            "AcrProxyServiceTagsStale",
            "AcrProxyConnectionLimit",
            "AcrProxyResourceExhausted",
            "AcrProxyUpstreamFailures",
            "AcrProxyAcceptErrors",
            "AcrProxyTlsCertificateExpiring");

    /**
     * The access-log fields (design §9.2) whose values come from closed sets: the only ones docs/observability.md's
     * log-shipping recipe may turn into Loki labels. A host name as a label would be one stream per name tried.
     */
    static final Set<String> BOUNDED_ACCESS_LOG_FIELDS = Set.of("decision", "reason", "group");

    private static final Pattern METRIC_NAME = Pattern.compile("\\b(?:acrproxy|jvm|process|system|netty)_[a-z_]+");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.*),\\s*(\\w+)\\)");
    private static final Pattern GRAFANA_BUILTIN = Pattern.compile("\\$\\{?__\\w+}?");
    private static final Pattern GRAFANA_VARIABLE = Pattern.compile("\\$\\{?\\w+(?::\\w+)?}?");
    private static final String DATASOURCE = "${DS_PROMETHEUS}";

    private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
    private static final YAMLMapper YAML = new YAMLMapper();

    private final Path root = RepositoryRoot.find();
    private final Path docker = root.resolve("docker");
    private final Path dashboardFile = docker.resolve("grafana-dashboard.json");
    private final Path alertsFile = docker.resolve("prometheus-alerts.yml");
    private final Path prometheusFile = docker.resolve("prometheus.yml");

    @TempDir
    Path tmp;

    // ------------------------------------------------------------------ dashboard

    @Test
    void dashboardIsAnImportableGrafanaDashboard() throws IOException {
        JsonNode dashboard = dashboard();

        assertThat(dashboard.path("schemaVersion").asInt()).isGreaterThanOrEqualTo(36);
        assertThat(dashboard.path("uid").asText()).isNotBlank();
        assertThat(dashboard.path("title").asText()).isNotBlank();
        assertThat(list(dashboard.path("__inputs"))).anySatisfy(input -> {
            assertThat(input.path("name").asText()).isEqualTo("DS_PROMETHEUS");
            assertThat(input.path("type").asText()).isEqualTo("datasource");
            assertThat(input.path("pluginId").asText()).isEqualTo("prometheus");
        });

        Map<String, String> variables = new LinkedHashMap<>();
        dashboard.path("templating").path("list").forEach(v -> variables.put(v.path("name").asText(), v.path("type").asText()));
        assertThat(variables).containsEntry("DS_PROMETHEUS", "datasource").containsEntry("job", "query").containsEntry("instance", "query");

        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : panels(dashboard)) {
            String title = panel.path("title").asText();
            assertThat(ids.add(panel.path("id").asInt())).as("unique id of panel %s", title).isTrue();
            JsonNode grid = panel.path("gridPos");
            assertThat(grid.path("x").asInt() + grid.path("w").asInt()).as("width of panel %s", title).isBetween(1, 24);
            if (panel.path("type").asText().equals("row")) {
                continue;
            }
            assertThat(title).isNotBlank();
            assertThat(panel.path("datasource").path("uid").asText()).as("datasource of panel %s", title).isEqualTo(DATASOURCE);
            assertThat(list(panel.path("targets"))).as("queries of panel %s", title).isNotEmpty();
            for (JsonNode target : panel.path("targets")) {
                assertThat(target.path("expr").asText()).as("query of panel %s", title).isNotBlank();
                assertThat(target.path("datasource").path("uid").asText()).as("datasource of a query of panel %s", title)
                        .isEqualTo(DATASOURCE);
            }
        }
    }

    @Test
    void everyDashboardQueryHonoursTheJobAndInstanceVariables() throws IOException {
        for (String expr : dashboardPanelExpressions(dashboard())) {
            assertThat(expr).as("query").contains("job=~\"$job\"").contains("instance=~\"$instance\"");
        }
    }

    @Test
    void dashboardReadsOnlyDocumentedMetrics() throws IOException {
        List<String> expressions = dashboardExpressions(dashboard());

        assertThat(undocumented(expressions)).as("metrics the dashboard reads but the proxy does not document").isEmpty();
    }

    @Test
    void dashboardShowsEveryProxyMetric() throws IOException {
        Set<String> read = new TreeSet<>();
        for (String expr : dashboardExpressions(dashboard())) {
            for (String name : metricNames(expr)) {
                read.add(baseName(name));
            }
        }
        Set<String> documented = new TreeSet<>(ACRPROXY_METRICS);
        documented.addAll(ACRPROXY_HISTOGRAMS);

        assertThat(read).as("acrproxy metrics on the dashboard").containsAll(documented);
    }

    @Test
    void dashboardPercentilesComeFromHistogramBuckets() throws IOException {
        List<String> bucketQueries = dashboardExpressions(dashboard()).stream().filter(e -> e.contains("_bucket")).toList();

        assertThat(bucketQueries).isNotEmpty().allSatisfy(expr -> {
            assertThat(expr).startsWith("histogram_quantile(");
            assertThat(expr).containsPattern("by \\((?:[a-z_]+, )*le\\b");
        });
    }

    // ------------------------------------------------------------------ alerts

    @Test
    void alertRulesAreTheDocumentedOnesWithSeverityAndRunbook() throws IOException {
        Map<String, JsonNode> rules = alertRules();
        String docs = Files.readString(root.resolve("docs/observability.md"));

        assertThat(rules.keySet()).containsExactlyInAnyOrderElementsOf(ALERTS);
        rules.forEach((name, rule) -> {
            assertThat(rule.path("labels").path("severity").asText()).as("severity of %s", name).isIn("critical", "warning", "info");
            assertThat(rule.path("annotations").path("summary").asText()).as("summary of %s", name).isNotBlank();
            assertThat(rule.path("annotations").path("description").asText()).as("description of %s", name).isNotBlank();
            String runbook = rule.path("annotations").path("runbook").asText();
            assertThat(runbook).as("runbook of %s", name).contains("/blocked").contains("docs/observability.md#" + name.toLowerCase());
            if (!name.equals("AcrProxyDown")) {
                assertThat(runbook).as("runbook of %s", name).contains("explain");
            }
            assertThat(docs).as("docs/observability.md section for %s", name).containsPattern("(?m)^#+ " + name + "$");
        });
    }

    @Test
    void alertRulesReadOnlyDocumentedMetrics() throws IOException {
        List<String> expressions = new ArrayList<>();
        for (JsonNode rule : alertRules().values()) {
            expressions.add(rule.path("expr").asText());
            rule.path("annotations").forEach(a -> expressions.add(a.asText()));
        }

        assertThat(undocumented(expressions)).as("metrics the alerts read but the proxy does not document").isEmpty();
    }

    @Test
    void prometheusConfigScrapesTheAdminPortAndLoadsTheRules() throws IOException {
        JsonNode config = YAML.readTree(prometheusFile.toFile());

        assertThat(texts(config.path("rule_files"))).contains("prometheus-alerts.yml");
        JsonNode job = config.path("scrape_configs").get(0);
        assertThat(job.path("job_name").asText()).isEqualTo("acr-egress-proxy");
        assertThat(job.path("metrics_path").asText()).isEqualTo("/metrics");
        assertThat(texts(job.path("static_configs").get(0).path("targets"))).containsExactly("127.0.0.1:9090");
        assertThat(alertRules().get("AcrProxyDown").path("expr").asText()).contains("job=\"acr-egress-proxy\"");
    }

    // ------------------------------------------------------------------ promtool

    @Test
    void promtoolAcceptsTheRulesTheirUnitTestsAndTheConfig() throws IOException, InterruptedException {
        ExternalTool promtool = promtool();

        promtool(promtool, "check", "rules", alertsFile.toString());
        promtool(promtool, "check", "config", prometheusFile.toString());
        promtool(promtool, "check", "config", "prometheus-compose.yml");
        promtool(promtool, "test", "rules", "prometheus-alerts.test.yml", "prometheus-alerts-days.test.yml");
    }

    @Test
    void promtoolParsesEveryDashboardQuery() throws IOException, InterruptedException {
        ExternalTool promtool = promtool();
        List<Map<String, String>> rules = new ArrayList<>();
        List<String> expressions = dashboardExpressions(dashboard());
        for (int i = 0; i < expressions.size(); i++) {
            rules.add(Map.of("record", "dashboard_query_" + i, "expr", promql(expressions.get(i))));
        }
        Path file = tmp.resolve("dashboard-queries.yml");
        YAML.writeValue(file.toFile(), Map.of("groups", List.of(Map.of("name", "dashboard", "rules", rules))));

        assertThat(promtool(promtool, "check", "rules", file.toString())).contains("SUCCESS: " + expressions.size() + " rules found");
    }

    // ------------------------------------------------------------------ docs: which hosts were refused

    /**
     * docs/observability.md, "Which hosts were refused": the Alloy and Promtail recipes label only bounded fields,
     * and the LogQL query selects only by labels the recipes ship and counts per target from the line.
     */
    @Test
    void refusedHostsRecipeLabelsOnlyBoundedFields() throws IOException {
        String docs = Files.readString(root.resolve("docs/observability.md"));
        int start = docs.indexOf("\n## Which hosts were refused\n");
        assertThat(start).as("section \"Which hosts were refused\" in docs/observability.md").isNotNegative();
        String section = docs.substring(start);
        for (String field : BOUNDED_ACCESS_LOG_FIELDS) {
            assertThat(Files.readString(root.resolve("docs/design.md"))).as("access-log field %s in design §9.2", field)
                    .contains("| `" + field + "` |");
        }

        Matcher alloy = Pattern.compile("(?s)stage\\.labels \\{\\s*values\\s*=\\s*\\{([^}]*)}").matcher(codeBlock(section, "alloy"));
        assertThat(alloy.find()).as("stage.labels of the Alloy recipe").isTrue();
        Set<String> alloyLabels = new TreeSet<>();
        Pattern.compile("\"(\\w+)\"\\s*=").matcher(alloy.group(1)).results().forEach(m -> alloyLabels.add(m.group(1)));
        assertThat(alloyLabels).isEqualTo(BOUNDED_ACCESS_LOG_FIELDS);

        JsonNode promtail = YAML.readTree(codeBlock(section, "yaml")).get(0);
        Set<String> promtailLabels = new TreeSet<>();
        for (JsonNode stage : promtail.path("pipeline_stages")) {
            stage.path("labels").fieldNames().forEachRemaining(promtailLabels::add);
        }
        assertThat(promtailLabels).isEqualTo(BOUNDED_ACCESS_LOG_FIELDS);
        assertThat(promtail.path("static_configs").get(0).path("labels").path("job").asText()).isEqualTo("acr-egress-proxy");

        String logql = codeBlock(section, "logql");
        Matcher selector = Pattern.compile("\\{([^}]*)}").matcher(logql);
        assertThat(selector.find()).as("stream selector of %s", logql).isTrue();
        Set<String> selected = new TreeSet<>();
        Pattern.compile("(\\w+)\\s*=").matcher(selector.group(1)).results().forEach(m -> selected.add(m.group(1)));
        Set<String> shipped = new TreeSet<>(BOUNDED_ACCESS_LOG_FIELDS);
        shipped.add("job");
        assertThat(selected).isSubsetOf(shipped).contains("job");
        assertThat(logql).contains("| json").contains("count_over_time(").contains("sum by (reason, target)");
    }

    /** The body of the first fenced block of {@code language} in {@code markdown}. */
    private static String codeBlock(String markdown, String language) {
        Matcher m = Pattern.compile("(?s)```" + language + "\\n(.*?)```").matcher(markdown);
        assertThat(m.find()).as("a ```%s block", language).isTrue();
        return m.group(1);
    }

    // ------------------------------------------------------------------ helpers

    private JsonNode dashboard() throws IOException {
        return JSON.readTree(dashboardFile.toFile());
    }

    /** Panels, including those nested in collapsed rows. */
    private static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            panels.add(panel);
            panel.path("panels").forEach(panels::add);
        }
        return panels;
    }

    /** The PromQL of every panel query and query annotation. */
    private static List<String> dashboardPanelExpressions(JsonNode dashboard) {
        List<String> expressions = new ArrayList<>();
        collectExpr(dashboard.path("panels"), expressions);
        collectExpr(dashboard.path("annotations"), expressions);
        return expressions;
    }

    /** Panel and annotation PromQL, and the series selectors of the query variables ({@code label_values(SELECTOR, label)}). */
    private static List<String> dashboardExpressions(JsonNode dashboard) {
        List<String> expressions = dashboardPanelExpressions(dashboard);
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (!variable.path("type").asText().equals("query")) {
                continue;
            }
            JsonNode query = variable.path("query");
            String text = query.isObject() ? query.path("query").asText() : query.asText();
            Matcher m = LABEL_VALUES.matcher(text);
            assertThat(m.matches()).as("variable %s query %s", variable.path("name").asText(), text).isTrue();
            expressions.add(m.group(1));
        }
        return expressions;
    }

    private static void collectExpr(JsonNode node, List<String> out) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                if (field.getKey().equals("expr") && field.getValue().isTextual()) {
                    out.add(field.getValue().asText());
                } else {
                    collectExpr(field.getValue(), out);
                }
            }
        } else if (node.isArray()) {
            node.forEach(child -> collectExpr(child, out));
        }
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> elements = new ArrayList<>();
        array.forEach(elements::add);
        return elements;
    }

    private static List<String> texts(JsonNode array) {
        return list(array).stream().map(JsonNode::asText).toList();
    }

    /** Alerting rules by name, from every group. */
    private Map<String, JsonNode> alertRules() throws IOException {
        Map<String, JsonNode> rules = new LinkedHashMap<>();
        for (JsonNode group : YAML.readTree(alertsFile.toFile()).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (rule.has("alert")) {
                    assertThat(rules.put(rule.path("alert").asText(), rule)).as("duplicate alert %s", rule.path("alert").asText()).isNull();
                }
            }
        }
        return rules;
    }

    private static Set<String> metricNames(String text) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = METRIC_NAME.matcher(text);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    /** A histogram series name ({@code x_seconds_bucket}) to its metric ({@code x_seconds}); other names unchanged. */
    private static String baseName(String name) {
        for (String suffix : HISTOGRAM_SUFFIXES) {
            String base = name.substring(0, Math.max(0, name.length() - suffix.length()));
            if (name.endsWith(suffix) && (ACRPROXY_HISTOGRAMS.contains(base) || STANDARD_HISTOGRAMS.contains(base))) {
                return base;
            }
        }
        return name;
    }

    private static boolean documented(String name) {
        return ACRPROXY_METRICS.contains(name) || STANDARD_METRICS.contains(name)
                || !baseName(name).equals(name);
    }

    /** Each undocumented name with the first expression that reads it. */
    private static Map<String, String> undocumented(List<String> expressions) {
        Map<String, String> unknown = new LinkedHashMap<>();
        for (String expr : expressions) {
            for (String name : metricNames(expr)) {
                if (!documented(name)) {
                    unknown.putIfAbsent(name, expr);
                }
            }
        }
        return unknown;
    }

    /** A Grafana query as plain PromQL: built-in intervals become 5m, variables match anything. */
    private static String promql(String grafanaExpr) {
        String expr = GRAFANA_BUILTIN.matcher(grafanaExpr).replaceAll("5m");
        return GRAFANA_VARIABLE.matcher(expr).replaceAll(".*");
    }

    private static ExternalTool promtool() {
        return ExternalTool.require("promtool", "Debian package prometheus; .ci/run installs it");
    }

    /** Runs promtool in docker/ (so rule_files resolve as they would for Prometheus); fails on a non-zero exit. */
    private String promtool(ExternalTool promtool, String... args) throws IOException, InterruptedException {
        ExternalTool.Result result = promtool.run(docker, tmp, args);
        assertThat(result.exitStatus()).as("promtool %s exit status; output:%n%s", String.join(" ", args), result.output()).isZero();
        return result.output();
    }
}
