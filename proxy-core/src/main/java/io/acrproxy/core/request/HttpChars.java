package io.acrproxy.core.request;

/**
 * Byte classes of the HTTP/1.1 grammar, as lookup tables so the head parser tests one array slot per
 * byte instead of a chain of comparisons.
 */
final class HttpChars {
    static final byte SP = ' ';
    static final byte HTAB = '\t';
    static final byte CR = '\r';
    static final byte LF = '\n';
    static final byte COLON = ':';

    private static final boolean[] TCHAR = new boolean[256];
    private static final boolean[] FIELD_VALUE = new boolean[256];

    static {
        // RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_"
        //                          / "`" / "|" / "~" / DIGIT / ALPHA
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 'a' + 'A'] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
        // RFC 9110 §5.5: field-value = *field-content, built from VCHAR, obs-text (%x80-FF), SP and HTAB.
        // Everything else (NUL, CR, LF, the other controls and DEL) is refused, as §5.5 allows.
        for (int b = 0x21; b <= 0x7E; b++) {
            FIELD_VALUE[b] = true;
        }
        for (int b = 0x80; b <= 0xFF; b++) {
            FIELD_VALUE[b] = true;
        }
        FIELD_VALUE[SP] = true;
        FIELD_VALUE[HTAB] = true;
    }

    private HttpChars() {
    }

    static boolean isTchar(byte b) {
        return TCHAR[b & 0xFF];
    }

    /** RFC 5234 VCHAR: visible US-ASCII, no whitespace, no control, nothing above 0x7E. */
    static boolean isVchar(byte b) {
        return b >= 0x21 && b <= 0x7E;
    }

    static boolean isFieldValueByte(byte b) {
        return FIELD_VALUE[b & 0xFF];
    }

    static boolean isOws(byte b) {
        return b == SP || b == HTAB;
    }

    static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }
}
