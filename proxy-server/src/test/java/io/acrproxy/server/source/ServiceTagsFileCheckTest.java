package io.acrproxy.server.source;

import static io.acrproxy.server.source.ServiceTagsJson.doc;
import static io.acrproxy.server.source.ServiceTagsJson.parsed;
import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.server.config.ProxyConfig;
import io.acrproxy.server.config.ServiceTagsSource;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file source re-read by the refresher, and the choice of check from the config section. */
class ServiceTagsFileCheckTest {
    @TempDir
    Path dir;

    @Test
    void aGoodFileIsReadAndABrokenOneIsAFailureNamingIt() throws IOException {
        Path file = dir.resolve("ServiceTags_Public.json");
        FileServiceTagsCheck check = new FileServiceTagsCheck(file);

        assertThat(check.check()).isEqualTo(new CheckOutcome.Failed(file + ": does not exist"));
        Files.writeString(file, doc(7, "20.42.66.0/23"));
        assertThat(check.check()).isEqualTo(new CheckOutcome.Fetched(parsed(doc(7, "20.42.66.0/23"))));
        Files.writeString(file, doc(8, "20.42.66.0/23").substring(0, 30));
        CheckOutcome truncated = check.check();
        assertThat(truncated).isInstanceOf(CheckOutcome.Failed.class);
        assertThat(((CheckOutcome.Failed) truncated).reason()).startsWith(file + ": not valid JSON");
    }

    @Test
    void theRefresherSeesNoChangeWhenTheFileIsRewrittenWithTheSameContent() throws IOException {
        Path file = dir.resolve("tags.json");
        Files.writeString(file, doc(7, "20.42.66.0/23"));
        FileServiceTagsCheck check = new FileServiceTagsCheck(file);
        RefreshStateMachine machine = new RefreshStateMachine(Duration.ofHours(1), Duration.ofMinutes(1),
                Clock.systemUTC(), null);

        assertThat(machine.onOutcome(check.check()).event()).isInstanceOf(RefreshStateMachine.Event.Changed.class);
        Files.writeString(file, doc(7, "20.42.66.0/23"));
        assertThat(machine.onOutcome(check.check()).event()).isEqualTo(new RefreshStateMachine.Event.Unchanged());
    }

    @Test
    void theConfigSourceChoosesTheCheck() {
        HttpClient client = HttpClient.newHttpClient();
        ProxyConfig.ServiceTags file = new ProxyConfig.ServiceTags(new ServiceTagsSource.FileSource(dir.resolve("t.json")),
                Duration.ofHours(24), null, List.of(), false, false);
        ProxyConfig.ServiceTags url = new ProxyConfig.ServiceTags(
                new ServiceTagsSource.UrlSource(URI.create("https://download.example.org/ServiceTags_Public.json")),
                Duration.ofHours(24), dir.resolve("cache.json"), List.of(), false, false);

        assertThat(ServiceTagsChecks.forConfig(file, client, Clock.systemUTC())).isInstanceOf(FileServiceTagsCheck.class);
        assertThat(ServiceTagsChecks.forConfig(url, client, Clock.systemUTC())).isInstanceOf(ServiceTagsFetcher.class);
    }
}
