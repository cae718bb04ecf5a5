package io.acrproxy.bench;

import io.acrproxy.policy.ClientGroupSpec;
import io.acrproxy.policy.Decision;
import io.acrproxy.policy.GroupAllowlist;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.PolicySpec;
import io.acrproxy.policy.RegistrySpec;
import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.net.Cidr;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Group selection and {@code decide()} with 50 client groups of 50 registries each (issue target: the same 300 ns as
 * without groups, selection included). Each group is a {@code /16} and a user of its own; a connection is picked by
 * address or by user, and its target is one of its own group's endpoints (allowed) or another group's (denied).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GroupDecideBenchmark {
    private static final int GROUPS = 50;
    private static final int REGISTRIES = 50;

    @Param({"mixed", "allowed", "denied"})
    public String targets;

    /** address: the group is found by the client's address; user: by the authenticated user (address in no group). */
    @Param({"address", "user"})
    public String selectBy;

    private Policy policy;
    private InetAddress[] clients;
    private String[] users;
    private Authority[] parsed;
    private int next;

    @Setup
    public void setUp() throws UnknownHostException {
        List<ClientGroupSpec> groups = new ArrayList<>();
        for (int g = 0; g < GROUPS; g++) {
            List<RegistrySpec> registries = new ArrayList<>();
            for (int i = 0; i < REGISTRIES; i++) {
                registries.add(new RegistrySpec("group" + g + "reg" + i, List.of("eastus", "westeurope"), List.of("*")));
            }
            groups.add(ClientGroupSpec.of("group" + g, List.of(Cidr.parse("10." + g + ".0.0/16")), Set.of("user" + g),
                    GroupAllowlist.REPLACE).withRegistries(registries.toArray(RegistrySpec[]::new)));
        }
        policy = Policy.compile(PolicySpec.builder().registries(new RegistrySpec("toplevelreg", List.of(), List.of()))
                .clientGroups(groups).build());
        List<InetAddress> c = new ArrayList<>();
        List<String> u = new ArrayList<>();
        List<Authority> t = new ArrayList<>();
        List<Boolean> expected = new ArrayList<>();
        for (int k = 0; k < 16; k++) {
            int g = (k * 7) % GROUPS;
            int other = (g + 13) % GROUPS;
            boolean allowed = switch (targets) {
                case "allowed" -> true;
                case "denied" -> false;
                default -> k % 2 == 0;
            };
            int reg = (k * 11) % REGISTRIES;
            String host = switch (k % 3) {
                case 0 -> "group" + (allowed ? g : other) + "reg" + reg + ".azurecr.io";
                case 1 -> "group" + (allowed ? g : other) + "reg" + reg + ".eastus.data.azurecr.io";
                default -> "group" + (allowed ? g : other) + "reg" + reg + ".westus.geo.azurecr.io";
            };
            boolean byAddress = selectBy.equals("address");
            c.add(InetAddress.getByName(byAddress ? "10." + g + ".1." + (k + 1) : "192.168.0." + (k + 1)));
            u.add(byAddress ? null : "user" + g);
            t.add(Authority.parse(host + ":443"));
            expected.add(allowed);
        }
        clients = c.toArray(InetAddress[]::new);
        users = u.toArray(String[]::new);
        parsed = t.toArray(Authority[]::new);
        for (int i = 0; i < parsed.length; i++) {
            // A benchmark of the wrong verdicts measures nothing: check each target decides as its label says.
            if (policy.select(clients[i], users[i]).decide(parsed[i]).allowed() != expected.get(i)) {
                throw new IllegalStateException(parsed[i] + " from group " + users[i] + "/" + clients[i]
                        + " is not " + (expected.get(i) ? "allowed" : "denied"));
            }
        }
    }

    /** What the decision stage does per CONNECT: pick the group, then decide the parsed target. */
    @Benchmark
    public Decision selectAndDecide() {
        int i = next;
        next = next + 1 == parsed.length ? 0 : next + 1;
        return policy.select(clients[i], users[i]).decide(parsed[i]);
    }
}
