package io.acrproxy.core.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.core.testing.ClientChannel;
import io.acrproxy.core.testing.TestEvents;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The client as the access log and every log line name it: the way people write addresses (design §9.2). */
class ClientConnectionTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "127.0.0.1          | 127.0.0.1 ",
            "::1                | [::1]",
            "fd00:0:0:0:0:0:0:5 | [fd00::5]",
            "::ffff:10.1.2.3    | 10.1.2.3"})
    void theClientIsWrittenAsPeopleWriteIt(String address, String written) {
        try (TestEvents events = new TestEvents()) {
            ClientConnection connection = new ClientConnection(ClientChannel.from(address), events.events);

            assertThat(connection.record().toString()).startsWith(written.strip() + ":50000 ");
        }
    }
}
