package io.acrproxy.core.connection;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResponseTextTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            "plain text                | plain text",
            "'  leading and trailing  '| leading and trailing",
            "'a  \t b'                 | a b",
            "h\u00f4te                 | h?te",
            "emoji \uD83D\uDE00 here   | emoji ? here",
            "del\u007fhere             | del here",
            "'\"quotes\" and \\'       | '\"quotes\" and \\'",
    })
    void printableKeepsOneLineOfPrintableAscii(String in, String out) {
        assertThat(ResponseText.printable(in, 200)).isEqualTo(out);
    }

    @Test
    void printableTurnsLineBreaksIntoOneSpace() {
        assertThat(ResponseText.printable("a\r\nb\nc\rd\u0000e", 200)).isEqualTo("a b c d e");
    }

    @Test
    void printableCutsAtTheLimit() {
        assertThat(ResponseText.printable("abcdefghij", 10)).isEqualTo("abcdefghij");
        assertThat(ResponseText.printable("abcdefghijk", 10)).isEqualTo("abcdefg...");
    }

    @Test
    void quotedEscapesBackslashAndDoubleQuote() {
        // RFC 8941 §3.3.3: "\" and DQUOTE are the only escapes; other printable ASCII stands as it is.
        assertThat(ResponseText.quoted("a \"b\" \\c\\ ;=,")).isEqualTo("\"a \\\"b\\\" \\\\c\\\\ ;=,\"");
        assertThat(ResponseText.quoted("")).isEqualTo("\"\"");
        assertThat(ResponseText.quoted("tab\there\u00e9")).isEqualTo("\"tab?here?\"");
    }

    @Test
    void jsonStringEscapesPerRfc8259() {
        assertThat(ResponseText.jsonString("q\" b\\ / n\n r\r t\t b\b f\f nul\u0000 us\u001f del\u007f \u00e9"))
                .isEqualTo("\"q\\\" b\\\\ / n\\n r\\r t\\t b\\b f\\f nul\\u0000 us\\u001f del\u007f \u00e9\"");
    }
}
