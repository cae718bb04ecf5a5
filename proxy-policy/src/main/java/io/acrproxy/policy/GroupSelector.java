package io.acrproxy.policy;

import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.net.CidrSet;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Picks a connection's client group (design §6.7): the first group in file order whose {@code clients} contain the
 * client's address, whose {@code users} name its authenticated user, or whose {@code certificates} match its verified
 * client certificate. In time independent of the number of groups: one prefix lookup and at most three hash lookups.
 *
 * <p>The prefixes go into one {@link CidrSet}, which answers with the most specific prefix. Two prefixes are either
 * disjoint or nested, so most-specific equals first-in-file-order once every prefix that lies inside an earlier
 * group's prefix is left out: such a prefix can never select its group (it is shadowed). A wider prefix of a later
 * group that contains an earlier group's prefix stays: the earlier, more specific one still wins inside it.
 */
final class GroupSelector {
    static final int NONE = Integer.MAX_VALUE;

    private final CidrSet addresses;
    private final Map<String, Integer> indexByName = new HashMap<>();
    private final Map<String, Integer> indexByUser = new HashMap<>();
    /** Exact names and {@code *.suffix} patterns as written (normalised), to the first group that lists them. */
    private final Map<String, Integer> indexByCertificate = new HashMap<>();
    private final List<ShadowedPrefix> shadowed = new ArrayList<>();

    GroupSelector(List<ClientGroupSpec> groups) {
        CidrSet.Builder builder = CidrSet.builder();
        for (int i = 0; i < groups.size(); i++) {
            ClientGroupSpec g = groups.get(i);
            indexByName.put(g.name(), i);
            for (String user : g.users()) {
                indexByUser.putIfAbsent(user, i); // a user in two groups is a config error; the first keeps it
            }
            for (String pattern : g.certificates()) {
                indexByCertificate.putIfAbsent(pattern, i);
            }
            for (Cidr prefix : g.clients()) {
                ShadowedPrefix by = shadowedBy(groups, i, prefix);
                if (by != null) {
                    shadowed.add(by);
                } else {
                    builder.add(prefix, g.name());
                }
            }
        }
        addresses = builder.build();
    }

    private static ShadowedPrefix shadowedBy(List<ClientGroupSpec> groups, int index, Cidr prefix) {
        for (int j = 0; j < index; j++) {
            for (Cidr earlier : groups.get(j).clients()) {
                if (earlier.contains(prefix)) {
                    return new ShadowedPrefix(groups.get(index).name(), prefix, groups.get(j).name(), earlier);
                }
            }
        }
        return null;
    }

    /**
     * The index of the selected group, or {@link #NONE} when none matches (the top-level policy applies).
     *
     * @param user the authenticated proxy user, or {@code null}
     */
    int select(InetAddress client, String user, String certificate) {
        int selected = NONE;
        if (client != null) {
            String name = addresses.lookup(client);
            if (name != null) {
                selected = indexByName.get(name);
            }
        }
        if (user != null) {
            selected = Math.min(selected, indexByUser.getOrDefault(user, NONE));
        }
        if (certificate != null) {
            selected = Math.min(selected, byCertificate(certificate));
        }
        return selected;
    }

    /**
     * The first group whose pattern matches {@code identity} (normalised as host names are): the exact name, or
     * {@code *.suffix} for an identity one label longer than the suffix.
     */
    private int byCertificate(String identity) {
        int exact = indexByCertificate.getOrDefault(identity, NONE);
        int dot = identity.indexOf('.');
        if (dot <= 0) {
            return exact;
        }
        return Math.min(exact, indexByCertificate.getOrDefault("*" + identity.substring(dot), NONE));
    }

    /** Every prefix that can never select its group, with the earlier prefix that covers it. */
    List<ShadowedPrefix> shadowed() {
        return List.copyOf(shadowed);
    }
}
