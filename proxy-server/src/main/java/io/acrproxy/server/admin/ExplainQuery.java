package io.acrproxy.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.net.IpAddresses;
import io.acrproxy.policy.route.Routes;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /explain?host=H[:P][&port=P][&sni=S][&client=IP][&user=NAME][&certificate=NAME][&address=IP...]}: the explain command over
 * HTTP; {@code host} is the command's {@code HOST[:PORT]}.
 */
final class ExplainQuery {
    private ExplainQuery() {
    }

    record Result(int status, JsonNode json) {
    }

    static Result run(String rawQuery, Policy policy, Map<String, List<InetAddress>> resolverHosts, Routes routes) {
        try {
            Query q = Query.parse(rawQuery);
            String host = q.single("host");
            if (host == null || host.isEmpty()) {
                throw new Query.BadQueryException("host is required (expected /explain?host=H&port=P)");
            }
            int port = q.integer("port", 1, 65535, 443);
            // host may carry its port, as the explain command's HOST[:PORT] does; port= then must agree with it.
            Authority authority = Authority.parse(Explainer.withPort(host, port));
            if (q.single("port") != null && authority.port() != port) {
                throw new Query.BadQueryException("host " + host + " names port " + authority.port() + " and port is "
                        + port + " (expected: one port)");
            }
            String client = q.single("client");
            InetAddress clientAddress = client == null ? null : IpAddresses.parse(client);
            List<InetAddress> addresses = new ArrayList<>();
            for (String a : q.all("address")) {
                addresses.add(IpAddresses.parse(a));
            }
            Explainer.Explanation e = Explainer.explain(policy, authority, q.single("sni"), clientAddress, q.single("user"),
                    q.single("certificate"), addresses,
                    resolverHosts, routes);
            return new Result(200, e.json());
        } catch (IllegalArgumentException e) { // bad query, host, port or address
            return new Result(400, AdminServer.error(e.getMessage()));
        }
    }
}
