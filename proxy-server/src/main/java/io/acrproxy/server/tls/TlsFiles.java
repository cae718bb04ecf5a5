package io.acrproxy.server.tls;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The files of {@code listenTls} (design §2.4).
 *
 * @param clientCaFile the CAs that issue client certificates, or {@code null}: no client certificate is asked for
 * @param requireClientCert refuse clients without a certificate (needs {@code clientCaFile})
 */
public record TlsFiles(Path certFile, Path keyFile, Path clientCaFile, boolean requireClientCert) {
    public TlsFiles {
        Objects.requireNonNull(certFile, "certFile");
        Objects.requireNonNull(keyFile, "keyFile");
    }

    /** The files whose change reloads the port's certificate. */
    public List<Path> all() {
        List<Path> files = new ArrayList<>(List.of(certFile, keyFile));
        if (clientCaFile != null) {
            files.add(clientCaFile);
        }
        return files;
    }
}
