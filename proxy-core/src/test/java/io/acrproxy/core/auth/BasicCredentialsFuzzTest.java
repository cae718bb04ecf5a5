package io.acrproxy.core.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.acrproxy.core.auth.ProxyAuthenticator.Credentials;
import io.acrproxy.core.auth.ProxyAuthenticator.Decoded;
import io.acrproxy.core.auth.ProxyAuthenticator.Failed;
import io.acrproxy.core.auth.ProxyAuthenticator.Missing;
import io.acrproxy.core.auth.ProxyAuthenticator.Refused;
import io.acrproxy.core.auth.ProxyAuthenticator.Result;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The decoding of {@code Proxy-Authorization: Basic ...} (design §5.1, RFC 7617) under hostile header values, through
 * {@link ProxyAuthenticator#decode(String)} (package-private: verification costs ~100 ms of PBKDF2, so the decoding is
 * tested on its own) and {@link ProxyAuthenticator#check}. Properties:
 * <ul>
 *   <li>no exception escapes; a blank or missing header is {@link Missing}; a scheme other than ASCII
 *       case-insensitive {@code Basic} (or no token after it) is refused as unsupported;</li>
 *   <li>decoded credentials split the base64-decoded UTF-8 text at its first colon (the user has no colon, the
 *       password may), and the refusals say truly why (not base64, not UTF-8, no colon);</li>
 *   <li>{@code user:password} encoded again, with the scheme in any case, extra blanks or without padding, decodes to
 *       the same pair;</li>
 *   <li>{@code check} answers a refusal at once with the same result, and hands decoded credentials to the verifier
 *       (exactly one task, nothing answered before it runs).</li>
 * </ul>
 */
class BasicCredentialsFuzzTest {
    private static final String UNSUPPORTED = "unsupported authentication scheme (expected Basic)";
    private static final String NOT_BASE64 = "credentials are not valid base64";
    private static final String NOT_UTF8 = "credentials are not UTF-8";
    private static final String NO_COLON = "credentials have no ':' between user and password";

    /** Verification tasks handed over by {@code check}; never run (they would cost 100 ms each). */
    private static final List<Runnable> VERIFICATIONS = new ArrayList<>();
    private static final ProxyAuthenticator AUTHENTICATOR = new ProxyAuthenticator(
            Map.of("edge", "pbkdf2-sha256$10000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
            "acr-egress-proxy", VERIFICATIONS::add);
    private static final EventLoop LOOP = new EmbeddedChannel().eventLoop();

    /** Any header value as it comes off the wire (ISO-8859-1). */
    @FuzzTest(maxDuration = "10m")
    void anyHeaderDecodesToTheFirstColonSplitOrIsRefusedAsDocumented(byte[] input) {
        String header = new String(input, StandardCharsets.ISO_8859_1);
        Decoded decoded = ProxyAuthenticator.decode(header);
        Decoded expected = reference(header);

        if (expected instanceof Credentials want) {
            assertThat(decoded).as("decodes %s", header).isInstanceOf(Credentials.class);
            Credentials got = (Credentials) decoded;
            assertThat(got.token()).isEqualTo(want.token());
            assertThat(got.user()).isEqualTo(want.user()).doesNotContain(":");
            assertThat(got.password()).isEqualTo(want.password());
            checkReEncoded(got.user(), got.password());
        } else {
            assertThat(decoded).as("refuses %s", header).isEqualTo(expected);
        }
        checkAgreesWithCheck(header, decoded);
    }

    /** Any user-pass bytes, sent base64-encoded as Basic credentials in several spellings. */
    @FuzzTest(maxDuration = "10m")
    void encodedCredentialsDecodeToTheFirstColonSplit(byte[] userPass) {
        String token = Base64.getEncoder().encodeToString(userPass);
        String unpadded = Base64.getEncoder().withoutPadding().encodeToString(userPass);
        for (String header : List.of("Basic " + token, "basic " + token, "  BASIC   " + token + " \t", "bAsIc " + unpadded)) {
            Decoded decoded = ProxyAuthenticator.decode(header);
            String text = validUtf8(userPass);
            if (userPass.length == 0) {
                // "Basic" with nothing after it once trimmed: no credentials at all, refused like another scheme.
                assertThat(decoded).isEqualTo(new Refused(new Failed(UNSUPPORTED)));
            } else if (text == null) {
                assertThat(decoded).isEqualTo(new Refused(new Failed(NOT_UTF8)));
            } else if (text.indexOf(':') < 0) {
                assertThat(decoded).isEqualTo(new Refused(new Failed(NO_COLON)));
            } else {
                assertThat(decoded).isInstanceOf(Credentials.class);
                Credentials c = (Credentials) decoded;
                assertThat(c.user()).isEqualTo(text.substring(0, text.indexOf(':')));
                assertThat(new String(c.password())).isEqualTo(text.substring(text.indexOf(':') + 1));
            }
            checkAgreesWithCheck(header, decoded);
        }
    }

    /** {@code user:password} encoded canonically, in other spellings of the scheme, decodes to the same pair. */
    private static void checkReEncoded(String user, char[] password) {
        byte[] userPass = (user + ":" + new String(password)).getBytes(StandardCharsets.UTF_8);
        String token = Base64.getEncoder().encodeToString(userPass);
        for (String header : List.of("Basic " + token, "BASIC " + token, " basic  " + token + "  ",
                "Basic " + Base64.getEncoder().withoutPadding().encodeToString(userPass))) {
            Decoded again = ProxyAuthenticator.decode(header);
            assertThat(again).as("re-encoded as %s", header).isInstanceOf(Credentials.class);
            assertThat(((Credentials) again).user()).isEqualTo(user);
            assertThat(((Credentials) again).password()).isEqualTo(password);
        }
    }

    /** {@code check} gives a refusal at once and the same; credentials go to the verifier and wait for it. */
    private static void checkAgreesWithCheck(String header, Decoded decoded) {
        VERIFICATIONS.clear();
        Future<Result> result = AUTHENTICATOR.check(header, LOOP);
        if (decoded instanceof Refused refused) {
            assertThat(result.isDone()).as("a refusal is answered at once").isTrue();
            assertThat(result.getNow()).isEqualTo(refused.result());
            assertThat(VERIFICATIONS).isEmpty();
        } else {
            assertThat(result.isDone()).as("credentials wait for the verifier").isFalse();
            assertThat(VERIFICATIONS).hasSize(1);
        }
        VERIFICATIONS.clear();
    }

    /**
     * Design §5.1 and RFC 7617 the slow and obvious way: blank is missing; the scheme is the text before the first
     * space of the trimmed value, compared in ASCII without case; the token is the rest, trimmed; it must be base64
     * whose bytes are UTF-8 text with a colon; the user ends at the first colon.
     */
    private static Decoded reference(String header) {
        if (header.isBlank()) {
            return new Refused(new Missing());
        }
        String value = header.trim();
        int space = value.indexOf(' ');
        if (space < 0 || !isBasic(value.substring(0, space))) {
            return new Refused(new Failed(UNSUPPORTED));
        }
        String token = value.substring(space + 1).trim();
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            return new Refused(new Failed(NOT_BASE64));
        }
        String text = validUtf8(bytes);
        if (text == null) {
            return new Refused(new Failed(NOT_UTF8));
        }
        int colon = text.indexOf(':');
        if (colon < 0) {
            return new Refused(new Failed(NO_COLON));
        }
        return new Credentials(token, text.substring(0, colon), text.substring(colon + 1).toCharArray());
    }

    private static boolean isBasic(String scheme) {
        String basic = "basic";
        if (scheme.length() != basic.length()) {
            return false;
        }
        for (int i = 0; i < basic.length(); i++) {
            char c = scheme.charAt(i);
            char lower = c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
            if (lower != basic.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The text, or {@code null} when the bytes are not well-formed UTF-8 (they would not survive a round trip). */
    private static String validUtf8(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        return Arrays.equals(text.getBytes(StandardCharsets.UTF_8), bytes) ? text : null;
    }
}
