package io.acrproxy.core.auth;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Password hashes for {@code auth.users[].passwordHash}: PBKDF2-HMAC-SHA256 (RFC 8018 §5.2) written as
 * {@code pbkdf2-sha256$<iterations>$<base64 salt>$<base64 hash>}, the form {@code hash-password} prints.
 *
 * <p>PBKDF2 because the JDK ships it (no native code, no extra dependency). The iteration count travels
 * with the hash, so raising {@link #ITERATIONS} later keeps old hashes valid. Passwords are encoded as
 * UTF-8 by the JDK's PBKDF2 implementation.
 */
public final class PasswordHash {
    public static final String SCHEME = "pbkdf2-sha256";
    /** OWASP Password Storage Cheat Sheet's figure for PBKDF2-HMAC-SHA256 when this was written. */
    public static final int ITERATIONS = 210_000;
    public static final int SALT_BYTES = 16;
    public static final int HASH_BYTES = 32;
    /** Below this a hash is too cheap to guess; nothing this project prints goes below it. */
    public static final int MIN_ITERATIONS = 10_000;
    /** Every proxy authentication pays the iteration count: a typo of a few zeros must not stall the proxy. */
    public static final int MAX_ITERATIONS = 10_000_000;
    public static final String FORMAT = SCHEME + "$<iterations>$<base64 salt>$<base64 hash>";

    private static final String ALGORITHM = "PBKDF2WithHmacSHA256";

    private final SecureRandom random;
    private final int iterations;

    public PasswordHash() {
        this(new SecureRandom(), ITERATIONS);
    }

    /** For tests: a cheaper iteration count (still within the accepted range). */
    PasswordHash(SecureRandom random, int iterations) {
        this.random = Objects.requireNonNull(random, "random");
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("iterations must be " + MIN_ITERATIONS + "-" + MAX_ITERATIONS);
        }
        this.iterations = iterations;
    }

    /**
     * Hashes a password with a fresh random salt.
     *
     * @throws IllegalArgumentException when the password is empty
     */
    public String hash(char[] password) {
        if (password.length == 0) {
            throw new IllegalArgumentException("password is empty");
        }
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] hash = derive(password, salt, iterations, HASH_BYTES);
        Base64.Encoder b64 = Base64.getEncoder();
        return SCHEME + '$' + iterations + '$' + b64.encodeToString(salt) + '$' + b64.encodeToString(hash);
    }

    /**
     * True when {@code password} matches {@code encoded}. A malformed {@code encoded} or an empty password never
     * matches. The comparison takes the same time wherever the first differing byte is.
     */
    public boolean verify(String encoded, char[] password) {
        Parsed parsed;
        try {
            parsed = parse(encoded);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (password.length == 0) {
            return false;
        }
        byte[] actual = derive(password, parsed.salt(), parsed.iterations(), parsed.hash().length);
        return MessageDigest.isEqual(actual, parsed.hash());
    }

    /** True when {@link #parse} accepts {@code encoded}. */
    public static boolean isWellFormed(String encoded) {
        try {
            parse(encoded);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Splits an encoded hash into its parts.
     *
     * @throws IllegalArgumentException saying which part is wrong; the message never repeats the input, which
     *                                  may be a password pasted into the wrong place
     */
    public static Parsed parse(String encoded) {
        if (encoded == null) {
            throw new IllegalArgumentException("is missing");
        }
        String[] parts = encoded.split("\\$", -1);
        if (parts.length != 4 || !parts[0].equals(SCHEME)) {
            throw new IllegalArgumentException("is not of the form " + FORMAT);
        }
        int iterations = parseIterations(parts[1]);
        byte[] salt = decode(parts[2], "salt");
        byte[] hash = decode(parts[3], "hash");
        if (salt.length < SALT_BYTES) {
            throw new IllegalArgumentException("has a salt of " + salt.length + " bytes, fewer than " + SALT_BYTES);
        }
        if (hash.length != HASH_BYTES) {
            throw new IllegalArgumentException("has a hash of " + hash.length + " bytes instead of " + HASH_BYTES);
        }
        return new Parsed(iterations, salt, hash);
    }

    private static int parseIterations(String text) {
        if (text.isEmpty() || text.length() > 9 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("has an iteration count that is not a number");
        }
        int n = Integer.parseInt(text);
        if (n < MIN_ITERATIONS || n > MAX_ITERATIONS) {
            throw new IllegalArgumentException("has " + n + " iterations, outside " + MIN_ITERATIONS + "-" + MAX_ITERATIONS);
        }
        return n;
    }

    private static byte[] decode(String text, String what) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("has a " + what + " that is not base64", e);
        }
    }

    /** PBKDF2-HMAC-SHA256; package-private so the RFC 7914 §11 test vectors can check it directly. */
    static byte[] derive(char[] password, byte[] salt, int iterations, int bytes) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, bytes * 8);
        try {
            return SecretKeyFactory.getInstance(ALGORITHM).generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            // Java SE requires every implementation to provide this SecretKeyFactory algorithm.
            throw new IllegalStateException(ALGORITHM + " is not available", e);
        } finally {
            spec.clearPassword();
        }
    }

    /**
     * The parts of an encoded hash.
     *
     * @param iterations PBKDF2 iteration count
     * @param salt       the salt bytes
     * @param hash       the derived key
     */
    public record Parsed(int iterations, byte[] salt, byte[] hash) {
        public Parsed {
            salt = salt.clone();
            hash = hash.clone();
        }

        @Override
        public byte[] salt() {
            return salt.clone();
        }

        @Override
        public byte[] hash() {
            return hash.clone();
        }
    }
}
