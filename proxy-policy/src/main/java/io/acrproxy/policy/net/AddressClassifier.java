package io.acrproxy.policy.net;

import io.acrproxy.policy.Decision;
import java.net.InetAddress;

/** STUB: the destination-address filter of SPEC §6.5. To be implemented (see helper task). */
public final class AddressClassifier {
    public AddressClassifier(DestinationRules rules) {
    }

    public Decision classify(InetAddress address, int port) {
        throw new UnsupportedOperationException("stub");
    }
}
