package io.acrproxy.policy.net;

import java.util.List;

/**
 * An IPv4 address carried inside an IPv6 address, and the mechanism that carries it. A packet to such an IPv6
 * address can end up at the IPv4 address (through a translator, a relay or the host's own dual stack), so the
 * destination filter judges both (design §6.5).
 *
 * @param ipv4 the 4 address bytes
 * @param via  the mechanism and its prefix, for rule names, e.g. {@code NAT64 64:ff9b::/96}
 */
record EmbeddedIpv4(byte[] ipv4, String via) {

    /**
     * The IPv4 addresses embedded in a 16-byte IPv6 address: none, one, or for Teredo two (server and client).
     *
     * <ul>
     *   <li>{@code ::ffff:0:0/96} IPv4-mapped (RFC 4291 §2.5.5.2) and {@code ::/96} IPv4-compatible (RFC 4291
     *       §2.5.5.1, deprecated but still understood by some stacks): the last 32 bits.</li>
     *   <li>{@code 64:ff9b::/96} NAT64 well-known prefix (RFC 6052 §2.1): the last 32 bits.</li>
     *   <li>{@code 64:ff9b:1::/48} local-use NAT64 (RFC 8215): operators carve translation prefixes out of it;
     *       the /96 layout of RFC 6052 §2.2 (last 32 bits) is assumed, as it is the one deployed in practice and
     *       judging the shorter layouts as well would misread every /96-translated address.</li>
     *   <li>{@code 2002::/16} 6to4 (RFC 3056 §2): bits 16–47.</li>
     *   <li>{@code 2001::/32} Teredo (RFC 4380 §4): the server at bits 32–63 and the client's public address in
     *       the last 32 bits, stored XOR {@code 0xffffffff}. The packet travels to both, so both are judged.</li>
     * </ul>
     */
    static List<EmbeddedIpv4> find(byte[] v6) {
        if (zero(v6, 0, 10)) {
            if ((v6[10] & v6[11] & 0xff) == 0xff) {
                return List.of(new EmbeddedIpv4(slice(v6, 12), "IPv4-mapped ::ffff:0:0/96"));
            }
            if (v6[10] == 0 && v6[11] == 0) {
                return List.of(new EmbeddedIpv4(slice(v6, 12), "IPv4-compatible ::/96"));
            }
            return List.of();
        }
        int first = ((v6[0] & 0xff) << 8) | (v6[1] & 0xff);
        int second = ((v6[2] & 0xff) << 8) | (v6[3] & 0xff);
        int third = ((v6[4] & 0xff) << 8) | (v6[5] & 0xff);
        if (first == 0x0064 && second == 0xff9b) {
            if (third == 0 && zero(v6, 6, 12)) {
                return List.of(new EmbeddedIpv4(slice(v6, 12), "NAT64 64:ff9b::/96"));
            }
            if (third == 1) {
                return List.of(new EmbeddedIpv4(slice(v6, 12), "local-use NAT64 64:ff9b:1::/48"));
            }
            return List.of();
        }
        if (first == 0x2002) {
            return List.of(new EmbeddedIpv4(slice(v6, 2), "6to4 2002::/16"));
        }
        if (first == 0x2001 && second == 0) {
            byte[] client = slice(v6, 12);
            for (int i = 0; i < 4; i++) {
                client[i] = (byte) ~client[i];
            }
            return List.of(
                    new EmbeddedIpv4(slice(v6, 4), "Teredo 2001::/32 (server)"),
                    new EmbeddedIpv4(client, "Teredo 2001::/32 (client, obfuscated)"));
        }
        return List.of();
    }

    private static boolean zero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] slice(byte[] b, int from) {
        byte[] out = new byte[4];
        System.arraycopy(b, from, out, 0, 4);
        return out;
    }
}
