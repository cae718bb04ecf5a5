package io.acrproxy.core.auth;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Basic proxy authentication (RFC 7617, RFC 9110 §11.7): parses {@code Proxy-Authorization}, and verifies the
 * password against its PBKDF2 hash on a separate executor — a verification costs ~100 ms of CPU by design,
 * which must never run on an event loop. Credentials verified once are remembered by a SHA-256 digest of
 * the header (never the password itself), because Docker sends them again on every CONNECT.
 */
public final class ProxyAuthenticator {
    /** The outcome of a check. */
    public sealed interface Result permits Ok, Missing, Failed {
    }

    /** Valid credentials of {@code user}. */
    public record Ok(String user) implements Result {
    }

    /** No credentials: answer 407 with a challenge. */
    public record Missing() implements Result {
    }

    /** Wrong or malformed credentials; {@code why} is for the log, never the password. */
    public record Failed(String why) implements Result {
    }

    private static final int MAX_REMEMBERED = 10_000;
    /** Failed attempts one client address may make per window before it is refused for the rest of it. */
    public static final int MAX_FAILURES_PER_WINDOW = 10;
    public static final java.time.Duration FAILURE_WINDOW = java.time.Duration.ofMinutes(1);

    /** Failures of one client address in the current window. */
    private record Failures(long windowStart, int count) {
    }

    private final Map<java.net.InetAddress, Failures> failures = new ConcurrentHashMap<>();
    private final java.time.Clock clock;

    private final Map<String, String> hashes;
    private final String realm;
    private final Executor verifier;
    private final PasswordHash hasher = new PasswordHash();
    private final Map<String, String> verified = new ConcurrentHashMap<>();
    /** Verified for unknown users too, so that a wrong user name takes as long as a wrong password. */
    private final String decoy;

    /**
     * @param hashes user name → {@code hash-password} output
     * @param realm  {@code auth.realm}: the protection space these credentials belong to, named in the challenge
     */
    public ProxyAuthenticator(Map<String, String> hashes, String realm, Executor verifier) {
        this(hashes, realm, verifier, java.time.Clock.systemUTC());
    }

    public ProxyAuthenticator(Map<String, String> hashes, String realm, Executor verifier, java.time.Clock clock) {
        this.clock = clock;
        this.realm = java.util.Objects.requireNonNull(realm, "realm");
        this.hashes = Map.copyOf(hashes);
        this.verifier = verifier;
        this.decoy = hasher.hash("decoy".toCharArray());
    }

    /** The realm of the {@code 407} challenge ({@code auth.realm}). */
    public String realm() {
        return realm;
    }

    /**
     * A {@code Proxy-Authorization} value taken apart before any verification (design §5.1): the {@link Credentials}
     * it carries, or the answer when it carries none. Package-private so that the decoding can be tested on its own.
     */
    sealed interface Decoded permits Credentials, Refused {
    }

    /**
     * Basic credentials as sent: {@code token} is the base64 text after the scheme (what the cache digests), the user
     * name ends at the first colon (RFC 7617 §2). The password array is the caller's to wipe.
     */
    record Credentials(String token, String user, char[] password) implements Decoded {
    }

    /** No usable credentials: {@link Missing} or {@link Failed}. */
    record Refused(Result result) implements Decoded {
    }

    /** Checks a {@code Proxy-Authorization} value ({@code null} when absent); completes on {@code loop}. */
    public Future<Result> check(String header, EventLoop loop) {
        Decoded decoded = decode(header);
        if (decoded instanceof Refused refused) {
            return loop.newSucceededFuture(refused.result());
        }
        Credentials credentials = (Credentials) decoded;
        String user = credentials.user();
        char[] password = credentials.password();
        String key = digest(credentials.token());
        String known = verified.get(key);
        if (known != null) {
            Arrays.fill(password, '\0');
            return loop.newSucceededFuture(new Ok(known));
        }
        Promise<Result> result = loop.newPromise();
        verifier.execute(() -> {
            String hash = hashes.get(user);
            boolean ok = hasher.verify(hash != null ? hash : decoy, password) && hash != null;
            Arrays.fill(password, '\0');
            if (ok) {
                if (verified.size() >= MAX_REMEMBERED) {
                    verified.clear();
                }
                verified.put(key, user);
            }
            result.trySuccess(ok ? new Ok(user) : new Failed("wrong user name or password"));
        });
        return result;
    }

    /** Decodes a {@code Proxy-Authorization} value ({@code null} when absent) into user and password, or refuses it. */
    static Decoded decode(String header) {
        if (header == null || header.isBlank()) {
            return new Refused(new Missing());
        }
        String value = header.trim();
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).toLowerCase(Locale.ROOT).equals("basic")) {
            return new Refused(new Failed("unsupported authentication scheme (expected Basic)"));
        }
        String token = value.substring(space + 1).trim();
        char[] credentials;
        try {
            // RFC 7617 §2.1: the user-pass is UTF-8 here (the challenge says charset="UTF-8").
            CharBuffer decoded = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Base64.getDecoder().decode(token)));
            credentials = Arrays.copyOfRange(decoded.array(), decoded.position(), decoded.limit());
            Arrays.fill(decoded.array(), '\0');
        } catch (IllegalArgumentException e) {
            return new Refused(new Failed("credentials are not valid base64"));
        } catch (CharacterCodingException e) {
            return new Refused(new Failed("credentials are not UTF-8"));
        }
        int colon = indexOf(credentials, ':');
        if (colon < 0) {
            Arrays.fill(credentials, '\0');
            return new Refused(new Failed("credentials have no ':' between user and password"));
        }
        // The user name ends at the first colon; the password may contain colons (RFC 7617 §2).
        String user = new String(credentials, 0, colon);
        char[] password = Arrays.copyOfRange(credentials, colon + 1, credentials.length);
        Arrays.fill(credentials, '\0');
        return new Credentials(token, user, password);
    }

    /**
     * True when {@code client} failed {@link #MAX_FAILURES_PER_WINDOW} times in the current window: guessing
     * from one address is refused for the rest of the window (429), other clients are unaffected.
     */
    public boolean isThrottled(java.net.InetAddress client) {
        Failures f = failures.get(client);
        return f != null && f.count() >= MAX_FAILURES_PER_WINDOW && clock.millis() - f.windowStart() < FAILURE_WINDOW.toMillis();
    }

    /** Counts a failed attempt of {@code client}. The map is pruned of stale windows when it grows. */
    public void recordFailure(java.net.InetAddress client) {
        long now = clock.millis();
        failures.compute(client, (c, f) -> f == null || now - f.windowStart() >= FAILURE_WINDOW.toMillis()
                ? new Failures(now, 1) : new Failures(f.windowStart(), f.count() + 1));
        if (failures.size() > MAX_REMEMBERED) {
            failures.values().removeIf(f -> now - f.windowStart() >= FAILURE_WINDOW.toMillis());
        }
    }

    private static int indexOf(char[] chars, char c) {
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] == c) {
                return i;
            }
        }
        return -1;
    }

    private static String digest(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
