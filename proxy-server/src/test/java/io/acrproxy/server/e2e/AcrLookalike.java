package io.acrproxy.server.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Azure Container Registry rebuilt on loopback, one address per host as in the real world, all on port 443:
 *
 * <pre>
 *   myreg.azurecr.io                   127.0.0.51  login server of the allowed registry; blob GET -> 307 to its data endpoint
 *   myreg.westeurope.data.azurecr.io   127.0.0.52  its dedicated data endpoint, serves the blobs
 *   other.azurecr.io                   127.0.0.53  another tenant's registry (the proxy must refuse it)
 *   legacyreg.azurecr.io               127.0.0.54  an allowed registry without data endpoints; blob GET -> 307 to storage
 *   legacystore.blob.core.windows.net  127.0.0.55  the storage account behind it (refused with blobStorage.mode none)
 *   docker-registry (plain HTTP)       127.0.0.50:5000, behind all of them
 * </pre>
 *
 * The proxy maps these names with {@code resolver.hosts}; clients never resolve them. One instance per test JVM,
 * holding one pushed image {@code app:1}.
 */
final class AcrLookalike {
    static final String MYREG = "myreg.azurecr.io";
    static final String MYREG_DATA = "myreg.westeurope.data.azurecr.io";
    static final String OTHER = "other.azurecr.io";
    static final String LEGACY = "legacyreg.azurecr.io";
    static final String STORAGE = "legacystore.blob.core.windows.net";

    private static AcrLookalike instance;

    final Path dir;
    final TestCa ca;
    final DistributionRegistry registry;
    final TestImage image;
    final Map<String, String> addresses = new LinkedHashMap<>();
    final Map<String, AcrFront> fronts = new LinkedHashMap<>();

    private AcrLookalike(Path dir) throws Exception {
        this.dir = dir;
        addresses.put(MYREG, "127.0.0.51");
        addresses.put(MYREG_DATA, "127.0.0.52");
        addresses.put(OTHER, "127.0.0.53");
        addresses.put(LEGACY, "127.0.0.54");
        addresses.put(STORAGE, "127.0.0.55");
        ca = TestCa.issue(dir, new ArrayList<>(addresses.keySet()));
        registry = DistributionRegistry.start(dir, "127.0.0.50", 5000);
        try {
            image = TestImage.push(registry.base(), "app", "1");
            front(MYREG, MYREG_DATA);
            front(MYREG_DATA, null);
            front(OTHER, null);
            front(LEGACY, STORAGE);
            front(STORAGE, null);
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    /** Starts the look-alike once per JVM, after checking that the machine has what it needs. */
    static synchronized AcrLookalike get() throws Exception {
        E2eTools.needRoot();
        E2eTools.binary("docker-registry", "docker-registry");
        if (instance == null) {
            instance = new AcrLookalike(Files.createTempDirectory("acr-lookalike"));
            Runtime.getRuntime().addShutdownHook(new Thread(instance::close));
        }
        return instance;
    }

    private void front(String host, String blobsTo) throws IOException {
        fronts.put(host, new AcrFront(host, addresses.get(host), ca.serverContext(), registry.base(), blobsTo));
    }

    /** "METHOD path" requests the endpoint {@code host} has answered. */
    List<String> requestsTo(String host) {
        return fronts.get(host).requests();
    }

    /** The {@code resolver.hosts} section mapping every look-alike name to its address. */
    String resolverHostsYaml() {
        StringBuilder sb = new StringBuilder("{");
        addresses.forEach((host, address) -> sb.append(sb.length() > 1 ? ", " : "").append(host).append(": ").append(address));
        return sb.append("}").toString();
    }

    private void close() {
        fronts.values().forEach(AcrFront::close);
        if (registry != null) {
            registry.close();
        }
    }
}
