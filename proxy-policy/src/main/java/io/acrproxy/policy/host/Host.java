package io.acrproxy.policy.host;

/** The host part of a CONNECT target: a normalised DNS name or an IP literal. */
public sealed interface Host permits HostName, IpLiteral {

    /** The canonical text form: the normalised name, or the address (IPv6 without brackets). */
    String text();
}
