package io.acrproxy.core.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * The name a verified client certificate stands for (design §2.4): its first DNS subject alternative name, or, when
 * it has none, the subject's common name, as RFC 6125 §6.4.4 orders them for servers; lower case, without a trailing
 * dot, so that it compares as host names do. IoT Edge device certificates and cert-manager's carry the device name
 * in both.
 */
public final class CertificateIdentity {
    /** {@code dNSName} in {@link X509Certificate#getSubjectAlternativeNames()} (RFC 5280 §4.2.1.6). */
    private static final int DNS_NAME = 2;

    private CertificateIdentity() {
    }

    /** The identity of {@code certificate}, or {@code null} when it names nothing. */
    public static String of(X509Certificate certificate) {
        String name = firstDnsName(certificate);
        if (name == null) {
            name = commonName(certificate);
        }
        return name == null || name.isEmpty() ? null : normalised(name);
    }

    private static String firstDnsName(X509Certificate certificate) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return null; // a malformed extension names nothing; the subject may still
        }
        if (names != null) {
            for (List<?> name : names) {
                if (name.size() >= 2 && name.get(0) instanceof Integer type && type == DNS_NAME
                        && name.get(1) instanceof String dns) {
                    return dns;
                }
            }
        }
        return null;
    }

    /** The subject's most specific CN: the first in its RFC 4514 text, the last of {@link LdapName}'s RDNs. */
    private static String commonName(X509Certificate certificate) {
        try {
            List<Rdn> rdns = new LdapName(certificate.getSubjectX500Principal().getName()).getRdns();
            for (int i = rdns.size() - 1; i >= 0; i--) {
                if (rdns.get(i).getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdns.get(i).getValue());
                }
            }
        } catch (InvalidNameException e) {
            return null;
        }
        return null;
    }

    /** {@code name} as identities are compared: lower case, without a trailing dot. */
    public static String normalised(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
