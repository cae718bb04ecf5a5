package io.acrproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.status.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** config/logback.xml is the documented copy of the jar's built-in logging config: both load, and they agree. */
class LogbackConfigTest {

    @Test
    void exampleAndBuiltInLoadWithoutErrorsAndMatch() throws Exception {
        Path root = RepositoryRoot.find();
        Path example = root.resolve("config/logback.xml");
        Path builtIn = root.resolve("proxy-server/src/main/resources/logback.xml");
        assertThat(Files.readString(builtIn)).isEqualTo(Files.readString(example));

        LoggerContext context = new LoggerContext();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(example.toFile());
        assertThat(context.getStatusManager().getCopyOfStatusList())
                .filteredOn(s -> s.getLevel() >= Status.WARN)
                .isEmpty();
        assertThat(context.getLogger("acrproxy.access").isAdditive()).isFalse();
        context.stop();
    }
}
