package io.acrproxy.policy.host;

import io.acrproxy.policy.net.IpAddresses;

/**
 * A DNS host name normalised per design §4.3: ASCII, lower case, one trailing dot removed, labels of
 * 1–63 characters from {@code [a-z0-9-_]} without a leading or trailing hyphen, at most 253 characters.
 *
 * <p>The same normaliser serves CONNECT targets, SNI values and config entries, so that what is compared
 * was normalised the same way on both sides.
 */
public final class HostName implements Host {

    /** RFC 1035 §2.3.4 limits, as counted without the trailing dot. */
    static final int MAX_NAME_LENGTH = 253;
    static final int MAX_LABEL_LENGTH = 63;

    private final String text;

    private HostName(String text) {
        this.text = text;
    }

    /**
     * Normalises and validates a host name.
     *
     * @throws InvalidHostException when {@code raw} is not a valid DNS name; IP literals (and names that look
     *                              numeric, such as {@code 127.1} or {@code 0x7f000001}) are not host names
     */
    public static HostName parse(CharSequence raw) {
        return new HostName(normalise(raw));
    }

    /** The normalised name. */
    @Override
    public String text() {
        return text;
    }

    /**
     * Returns the normalised form of {@code raw}.
     *
     * @throws InvalidHostException with a message naming the input and the problem
     */
    public static String normalise(CharSequence raw) {
        int len = raw.length();
        if (len == 0) {
            throw invalid(raw, "is empty");
        }
        int end = len;
        if (raw.charAt(end - 1) == '.') {
            end--; // one trailing dot marks a fully qualified name (RFC 1034 §3.1); a second is an empty label
        }
        if (end == 0) {
            throw invalid(raw, "has an empty label");
        }
        if (end > MAX_NAME_LENGTH) {
            throw invalid(raw, "is longer than " + MAX_NAME_LENGTH + " characters");
        }
        char[] out = new char[end];
        boolean changed = end != len;
        int labelStart = 0;
        boolean lastLabelNumeric = true;
        for (int i = 0; i <= end; i++) {
            char c = i < end ? raw.charAt(i) : '.';
            if (c == '.') {
                int labelLength = i - labelStart;
                if (labelLength == 0) {
                    throw invalid(raw, "has an empty label");
                }
                if (labelLength > MAX_LABEL_LENGTH) {
                    throw invalid(raw, "has a label longer than " + MAX_LABEL_LENGTH + " characters");
                }
                if (out[labelStart] == '-' || out[i - 1] == '-') {
                    throw invalid(raw, "has a label that starts or ends with a hyphen");
                }
                if (i < end) {
                    out[i] = '.';
                    labelStart = i + 1;
                    lastLabelNumeric = true;
                }
                continue;
            }
            if (c >= 'A' && c <= 'Z') {
                c = (char) (c + ('a' - 'A'));
                changed = true;
            } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
                throw invalid(raw, describeBadChar(c));
            }
            if (c < '0' || c > '9') {
                lastLabelNumeric = false;
            }
            out[i] = c;
        }
        String name = changed ? new String(out) : raw.toString();
        if (lastLabelNumeric || looksHex(name, labelStart)) {
            // No top-level domain is numeric (RFC 3696 §2), and resolvers read such names as inet_aton
            // numbers (127.1, 0x7f000001, 0177.0.0.1): design §4.2 refuses them rather than guess.
            if (IpAddresses.isIpv4Literal(name)) {
                throw invalid(raw, "is an IP address, not a host name");
            }
            throw invalid(raw, "looks like a number but is not a dotted-quad IPv4 address");
        }
        return name;
    }

    private static boolean looksHex(String name, int lastLabelStart) {
        if (name.length() - lastLabelStart < 3 || name.charAt(lastLabelStart) != '0' || name.charAt(lastLabelStart + 1) != 'x') {
            return false;
        }
        for (int i = lastLabelStart + 2; i < name.length(); i++) {
            if (Character.digit(name.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static String describeBadChar(char c) {
        if (c < 0x20 || c == 0x7f) {
            return String.format("contains a control character (0x%02x)", (int) c);
        }
        if (c > 0x7f) {
            return "contains a non-ASCII character (use the xn-- punycode form of internationalised names)";
        }
        if (c == ' ' || c == '\t') {
            return "contains whitespace";
        }
        return "contains '" + c + "' (allowed: letters, digits, '-', '_' and '.')";
    }

    static InvalidHostException invalid(CharSequence raw, String problem) {
        return new InvalidHostException(quote(raw) + ' ' + problem);
    }

    /** Quotes untrusted input for a message, escaping control and non-ASCII characters and capping length. */
    public static String quote(CharSequence raw) {
        StringBuilder sb = new StringBuilder(Math.min(raw.length(), 80) + 2).append('"');
        for (int i = 0; i < raw.length(); i++) {
            if (sb.length() > 80) {
                sb.append("...");
                break;
            }
            char c = raw.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                sb.append(c <= 0xff ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    /** The first label ({@code myreg} of {@code myreg.azurecr.io}). */
    public String firstLabel() {
        int dot = text.indexOf('.');
        return dot < 0 ? text : text.substring(0, dot);
    }

    /** The name without its first label, or {@code null} for a single-label name. */
    public String parent() {
        int dot = text.indexOf('.');
        return dot < 0 ? null : text.substring(dot + 1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostName other && text.equals(other.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
