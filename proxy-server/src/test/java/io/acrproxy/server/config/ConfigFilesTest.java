package io.acrproxy.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading from a file: what cannot be read, encodings, and where relative paths point. */
class ConfigFilesTest {
    @TempDir
    Path dir;

    @Test
    void relativePathsAreTakenFromTheConfigFilesDirectory() throws IOException, ConfigException {
        Path config = Files.createDirectories(dir.resolve("etc")).resolve("proxy.yaml");
        Files.writeString(config, "registries: [{name: myregistry}]\nendpointFiles: [endpoints/a.json]\n"
                + "serviceTags: {source: ../tags.json, tags: [Storage], cacheFile: cache/tags.json}\n");

        ProxyConfig c = ConfigLoader.load(config).config();

        assertThat(c.endpointFiles()).containsExactly(dir.resolve("etc/endpoints/a.json"));
        assertThat(c.serviceTags().source()).isEqualTo(new ServiceTagsSource.FileSource(dir.resolve("tags.json")));
        assertThat(c.serviceTags().cacheFile()).isEqualTo(dir.resolve("etc/cache/tags.json"));
    }

    @Test
    void aMissingFileIsOneError() {
        Path missing = dir.resolve("nope.yaml");

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(missing));

        assertThat(e.getMessage()).isEqualTo(missing + ": does not exist");
    }

    @Test
    void aFileThatIsNotUtf8IsOneError() throws IOException {
        Path config = dir.resolve("latin1.yaml");
        Files.write(config, "auth: {realm: caf\u00e9}\n".getBytes(StandardCharsets.ISO_8859_1));

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> PolicySpecs.load(config));

        assertThat(e.getMessage()).isEqualTo(config + ": is not UTF-8 text");
    }

    @Test
    void aByteOrderMarkIsIgnored() throws IOException, ConfigException {
        Path config = dir.resolve("bom.yaml");
        Files.writeString(config, "\uFEFFregistries: [{name: myregistry}]\n");

        assertThat(ConfigLoader.load(config).config().registries()).hasSize(1);
    }
}
