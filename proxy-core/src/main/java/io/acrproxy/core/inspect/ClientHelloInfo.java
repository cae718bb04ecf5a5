package io.acrproxy.core.inspect;

/**
 * What stage 7 (design §7) needs from a well-formed ClientHello.
 *
 * @param serverName            the single {@code host_name} of the {@code server_name} extension, normalised as
 *                              design §4.3, or {@code null} when the extension is absent; with Encrypted Client Hello
 *                              this is the outer (public) name, which is the one the proxy checks (design §7)
 * @param legacyVersion         the ClientHello's {@code legacy_version}, e.g. {@code 0x0303}
 * @param encryptedClientHello  whether the hello carries an {@code encrypted_client_hello} extension (RFC 9849)
 */
public record ClientHelloInfo(String serverName, int legacyVersion, boolean encryptedClientHello)
        implements ClientHelloParser.Result {
}
