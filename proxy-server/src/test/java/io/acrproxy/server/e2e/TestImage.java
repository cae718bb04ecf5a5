package io.acrproxy.server.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

/**
 * A one-layer image (Docker schema 2 manifest) built in memory and pushed to the registry over its HTTP API, so
 * that the suite needs no image from the internet. The layer holds one file with a random line, so every run
 * has fresh digests and nothing can come from a client's cache.
 */
final class TestImage {
    static final String MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json";
    static final String FILE_NAME = "pulled-through-acr-egress-proxy.txt";

    final String repository;
    final String tag;
    final String fileContent;
    final byte[] layer;
    final String layerDigest;
    final String configDigest;
    final String manifestDigest;
    private final byte[] config;
    private final byte[] manifest;

    private TestImage(String repository, String tag) throws IOException {
        this.repository = repository;
        this.tag = tag;
        this.fileContent = "pulled through acr-egress-proxy " + UUID.randomUUID() + "\n";
        byte[] tar = Tar.singleFile(FILE_NAME, fileContent.getBytes(StandardCharsets.UTF_8));
        this.layer = gzip(tar);
        this.layerDigest = sha256(layer);
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = json.createObjectNode();
        c.put("architecture", goArch());
        c.put("os", "linux");
        c.putObject("config").putArray("Cmd").add("/bin/true");
        ObjectNode rootfs = c.putObject("rootfs");
        rootfs.put("type", "layers");
        rootfs.putArray("diff_ids").add(sha256(tar));
        c.putArray("history").addObject().put("created_by", "acr-egress-proxy end-to-end suite");
        this.config = json.writeValueAsBytes(c);
        this.configDigest = sha256(config);
        ObjectNode m = json.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", MANIFEST_TYPE);
        ObjectNode cd = m.putObject("config");
        cd.put("mediaType", "application/vnd.docker.container.image.v1+json");
        cd.put("size", config.length);
        cd.put("digest", configDigest);
        ObjectNode ld = m.putArray("layers").addObject();
        ld.put("mediaType", "application/vnd.docker.image.rootfs.diff.tar.gzip");
        ld.put("size", layer.length);
        ld.put("digest", layerDigest);
        this.manifest = json.writeValueAsBytes(m);
        this.manifestDigest = sha256(manifest);
    }

    /** Builds the image and pushes it to {@code registry} as {@code repository:tag}. */
    static TestImage push(URI registry, String repository, String tag) throws IOException, InterruptedException {
        TestImage image = new TestImage(repository, tag);
        HttpClient http = HttpClient.newHttpClient();
        image.pushBlob(http, registry, image.layer, image.layerDigest);
        image.pushBlob(http, registry, image.config, image.configDigest);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(registry.resolve("/v2/" + repository + "/manifests/" + tag))
                .header("Content-Type", MANIFEST_TYPE).PUT(HttpRequest.BodyPublishers.ofByteArray(image.manifest)).build(),
                HttpResponse.BodyHandlers.ofString());
        expect(r, 201, "manifest");
        return image;
    }

    /** The reference a client pulls, e.g. {@code myreg.azurecr.io/app:1}. */
    String reference(String host) {
        return host + "/" + repository + ":" + tag;
    }

    private void pushBlob(HttpClient http, URI registry, byte[] blob, String digest) throws IOException, InterruptedException {
        HttpResponse<String> start = http.send(HttpRequest.newBuilder(registry.resolve("/v2/" + repository + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        expect(start, 202, "blob upload start");
        String location = start.headers().firstValue("Location").orElseThrow();
        URI upload = registry.resolve(location);
        String separator = upload.getRawQuery() == null ? "?" : "&";
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(upload + separator + "digest=" + digest))
                .header("Content-Type", "application/octet-stream").PUT(HttpRequest.BodyPublishers.ofByteArray(blob)).build(),
                HttpResponse.BodyHandlers.ofString());
        expect(put, 201, "blob " + digest);
    }

    private static void expect(HttpResponse<String> r, int status, String what) throws IOException {
        if (r.statusCode() != status) {
            throw new IOException("pushing " + what + ": HTTP " + r.statusCode() + " " + r.body());
        }
    }

    private static String goArch() {
        return switch (System.getProperty("os.arch").toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> System.getProperty("os.arch");
        };
    }

    static String sha256(byte[] data) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }
}
