package io.acrproxy.policy.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostNameTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            myreg.azurecr.io              | myreg.azurecr.io
            MyReg.AzureCR.IO              | myreg.azurecr.io
            myreg.azurecr.io.             | myreg.azurecr.io
            xn--bcher-kva.example         | xn--bcher-kva.example
            _dmarc.example.com            | _dmarc.example.com
            a-b.c_d.example               | a-b.c_d.example
            localhost                     | localhost
            0xdeadbeef.com                | 0xdeadbeef.com
            1.2.3.example                 | 1.2.3.example
            123abc                        | 123abc
            """)
    void normalisesValidNames(String raw, String expected) {
        assertThat(HostName.normalise(raw)).isEqualTo(expected);
        assertThat(HostName.parse(raw).text()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            ''                            | is empty
            'myreg.azurecr.io..'          | has an empty label
            '.myreg.azurecr.io'           | has an empty label
            'myreg..azurecr.io'           | has an empty label
            '.'                           | has an empty label
            '-myreg.azurecr.io'           | starts or ends with a hyphen
            'myreg-.azurecr.io'           | starts or ends with a hyphen
            'my reg.azurecr.io'           | contains whitespace
            'my%2ereg.io'                 | contains '%'
            'my/reg.io'                   | contains '/'
            'my*reg.io'                   | contains '*'
            'bücher.example'              | non-ASCII
            '127.0.0.1'                   | is an IP address, not a host name
            '2130706433'                  | looks like a number
            '0x7f000001'                  | looks like a number
            '0177.0.0.1'                  | looks like a number
            '127.1'                       | looks like a number
            '1.2.3.4.5'                   | looks like a number
            '127.0.0.0x1'                 | looks like a number
            """)
    void rejectsInvalidNames(String raw, String problem) {
        assertThatThrownBy(() -> HostName.normalise(raw))
                .isInstanceOf(InvalidHostException.class)
                .hasMessageContaining(problem);
    }

    @Test
    void rejectsControlCharactersAndNul() {
        assertThatThrownBy(() -> HostName.normalise("myreg\u0000.azurecr.io"))
                .hasMessageContaining("control character (0x00)")
                .hasMessageContaining("\\x00");
        assertThatThrownBy(() -> HostName.normalise("a\u007f.io")).hasMessageContaining("control character");
    }

    @Test
    void labelAndNameLengthLimits() {
        String label63 = "a".repeat(63);
        String label64 = "a".repeat(64);
        assertThat(HostName.normalise(label63 + ".io")).isEqualTo(label63 + ".io");
        assertThatThrownBy(() -> HostName.normalise(label64 + ".io")).hasMessageContaining("label longer than 63");

        String name253 = String.join(".", "a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(61));
        assertThat(name253).hasSize(253);
        assertThat(HostName.normalise(name253)).isEqualTo(name253);
        assertThat(HostName.normalise(name253 + ".")).isEqualTo(name253);
        String name254 = name253 + "d";
        assertThatThrownBy(() -> HostName.normalise(name254)).hasMessageContaining("longer than 253");
    }

    @Test
    void quotingEscapesUntrustedInputAndCapsLength() {
        assertThat(HostName.quote("a\"b\\c\n")).isEqualTo("\"a\\x22b\\x5cc\\x0a\"");
        assertThat(HostName.quote("x".repeat(500))).hasSizeLessThan(100).endsWith("...\"");
    }

    @Test
    void labelsAndEquality() {
        HostName name = HostName.parse("MyReg.AzureCR.io.");
        assertThat(name.firstLabel()).isEqualTo("myreg");
        assertThat(name.parent()).isEqualTo("azurecr.io");
        assertThat(HostName.parse("localhost").parent()).isNull();
        assertThat(name).isEqualTo(HostName.parse("myreg.azurecr.io")).hasSameHashCodeAs(HostName.parse("myreg.azurecr.io"));
    }
}
