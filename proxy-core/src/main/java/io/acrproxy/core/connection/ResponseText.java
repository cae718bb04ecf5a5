package io.acrproxy.core.connection;

/**
 * Makes text safe for the places a refusal carries it: the status line, a quoted header parameter and a
 * JSON string. Each method targets one grammar, so the caller cannot mix up what is escaped where.
 */
final class ResponseText {

    private ResponseText() {
    }

    /**
     * Printable US-ASCII only, on one line, at most {@code maxChars} long. RFC 9112 §4 allows no CR or LF
     * in a reason phrase: a message carrying them (a host name from a log, say) could otherwise inject
     * header lines. Controls become a space, runs of spaces collapse, other non-ASCII becomes {@code ?}
     * (clients decode the phrase as ISO-8859-1 at best). A cut text ends with {@code ...}.
     */
    static String printable(String text, int maxChars) {
        StringBuilder sb = new StringBuilder(Math.min(text.length(), maxChars));
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7F || c == ' ') {
                if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ' ') {
                    sb.append(' ');
                }
            } else if (c > 0x7E) {
                if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                }
                sb.append('?');
            } else {
                sb.append(c);
            }
        }
        int end = sb.length();
        while (end > 0 && sb.charAt(end - 1) == ' ') {
            end--;
        }
        sb.setLength(end);
        if (sb.length() > maxChars) {
            sb.setLength(maxChars - 3);
            sb.append("...");
        }
        return sb.toString();
    }

    /**
     * A quoted string: RFC 8941 §3.3.3 sf-string, which for printable ASCII is also an RFC 9110 §5.6.4
     * quoted-string (so the same form serves Proxy-Status details and a Basic realm). Backslash and double
     * quote are escaped; anything outside printable ASCII, which neither grammar allows, becomes {@code ?}.
     */
    static String quoted(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7E) {
                sb.append('?');
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    /** A JSON string (RFC 8259 §7): quote, backslash and the controls U+0000–U+001F escaped. */
    static String jsonString(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
