package io.acrproxy.policy.net;

import java.net.InetAddress;
import java.util.Collection;

/** STUB: a set of prefixes with O(prefix length) lookup. To be implemented (see helper task). */
public final class CidrSet {
    public static final CidrSet EMPTY = new CidrSet();

    public static Builder builder() {
        return new Builder();
    }

    public static CidrSet of(Collection<Cidr> prefixes, String label) {
        throw new UnsupportedOperationException("stub");
    }

    public String lookup(InetAddress address) {
        throw new UnsupportedOperationException("stub");
    }

    public boolean contains(InetAddress address) {
        return lookup(address) != null;
    }

    public int size() {
        throw new UnsupportedOperationException("stub");
    }

    public boolean isEmpty() {
        return size() == 0;
    }

    public static final class Builder {
        public Builder add(Cidr cidr, String label) {
            throw new UnsupportedOperationException("stub");
        }

        public CidrSet build() {
            throw new UnsupportedOperationException("stub");
        }
    }
}
