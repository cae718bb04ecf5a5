package io.acrproxy.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PasswordHashTest {
    /** The minimum count keeps the suite fast; the default count is exercised once below. */
    private final PasswordHash hasher = new PasswordHash(new SecureRandom(), PasswordHash.MIN_ITERATIONS);

    @Test
    void derivesTheRfc7914TestVector() {
        // RFC 7914 §11, PBKDF2-HMAC-SHA256 with P="Password", S="NaCl", c=80000, dkLen=64.
        byte[] dk = PasswordHash.derive("Password".toCharArray(), "NaCl".getBytes(), 80000, 64);
        assertThat(HexFormat.of().formatHex(dk)).isEqualTo(
                "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
                        + "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");
    }

    @Test
    void hashUsesTheDocumentedFormatAndDefaults() {
        String encoded = new PasswordHash().hash("s3cret".toCharArray());

        assertThat(encoded).matches("pbkdf2-sha256\\$210000\\$[A-Za-z0-9+/]{22}==\\$[A-Za-z0-9+/]{43}=");
        PasswordHash.Parsed parsed = PasswordHash.parse(encoded);
        assertThat(parsed.iterations()).isEqualTo(210_000);
        assertThat(parsed.salt()).hasSize(16);
        assertThat(parsed.hash()).hasSize(32);
        assertThat(new PasswordHash().verify(encoded, "s3cret".toCharArray())).isTrue();
    }

    @Test
    void verifiesOnlyTheRightPassword() {
        String encoded = hasher.hash("correct horse".toCharArray());

        assertThat(hasher.verify(encoded, "correct horse".toCharArray())).isTrue();
        assertThat(hasher.verify(encoded, "correct hors".toCharArray())).isFalse();
        assertThat(hasher.verify(encoded, "Correct horse".toCharArray())).isFalse();
        assertThat(hasher.verify(encoded, new char[0])).isFalse();
    }

    @Test
    void nonAsciiPasswordsAreHashedAsUtf8() {
        String encoded = hasher.hash("pässwörd€".toCharArray());
        PasswordHash.Parsed parsed = PasswordHash.parse(encoded);

        byte[] expected = PasswordHash.derive("pässwörd€".toCharArray(), parsed.salt(), parsed.iterations(), 32);
        assertThat(parsed.hash()).isEqualTo(expected);
        assertThat(hasher.verify(encoded, "passwort".toCharArray())).isFalse();
    }

    @Test
    void eachHashHasItsOwnSalt() {
        String a = hasher.hash("same".toCharArray());
        String b = hasher.hash("same".toCharArray());

        assertThat(a).isNotEqualTo(b);
        assertThat(hasher.verify(a, "same".toCharArray())).isTrue();
        assertThat(hasher.verify(b, "same".toCharArray())).isTrue();
    }

    @Test
    void refusesToHashAnEmptyPassword() {
        assertThatThrownBy(() -> hasher.hash(new char[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("password is empty");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''                                                    | is not of the form pbkdf2-sha256$<iterations>$<base64 salt>$<base64 hash>",
            "s3cret                                                | is not of the form pbkdf2-sha256$<iterations>$<base64 salt>$<base64 hash>",
            "pbkdf2-sha1$210000$AAAAAAAAAAAAAAAAAAAAAA==$x         | is not of the form pbkdf2-sha256$<iterations>$<base64 salt>$<base64 hash>",
            "pbkdf2-sha256$210000$AAAAAAAAAAAAAAAAAAAAAA==         | is not of the form pbkdf2-sha256$<iterations>$<base64 salt>$<base64 hash>",
            "pbkdf2-sha256$many$AAAAAAAAAAAAAAAAAAAAAA==$HASH      | has an iteration count that is not a number",
            "pbkdf2-sha256$-1$AAAAAAAAAAAAAAAAAAAAAA==$HASH        | has an iteration count that is not a number",
            "pbkdf2-sha256$9999$AAAAAAAAAAAAAAAAAAAAAA==$HASH      | has 9999 iterations, outside 10000-10000000",
            "pbkdf2-sha256$10000001$AAAAAAAAAAAAAAAAAAAAAA==$HASH  | has 10000001 iterations, outside 10000-10000000",
            "pbkdf2-sha256$210000$not*base64$HASH                  | has a salt that is not base64",
            "pbkdf2-sha256$210000$AAAAAAAAAAA=$HASH                | has a salt of 8 bytes, fewer than 16",
            "pbkdf2-sha256$210000$AAAAAAAAAAAAAAAAAAAAAA==$AAAA    | has a hash of 3 bytes instead of 32",
    })
    void rejectsMalformedHashesWithoutEchoingThem(String encoded, String message) {
        String withHash = encoded.replace("HASH", Base64.getEncoder().encodeToString(new byte[32]));

        assertThat(PasswordHash.isWellFormed(withHash)).isFalse();
        assertThatThrownBy(() -> PasswordHash.parse(withHash)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
        assertThat(hasher.verify(withHash, "anything".toCharArray())).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "pbkdf2-sha256$10000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            // Padding is optional, as for the JDK's basic Base64 decoder.
            "pbkdf2-sha256$10000000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    })
    void acceptsWellFormedHashes(String encoded) {
        assertThat(PasswordHash.isWellFormed(encoded)).isTrue();
    }

    @Test
    void parseNamesAMissingValue() {
        assertThatThrownBy(() -> PasswordHash.parse(null)).hasMessage("is missing");
    }
}
