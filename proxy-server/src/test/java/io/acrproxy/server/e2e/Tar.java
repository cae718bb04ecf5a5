package io.acrproxy.server.e2e;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The smallest POSIX ustar archive a container runtime unpacks: one regular file, owned by root, mode 0644
 * (POSIX.1-1988 header layout). The JDK has no tar writer and one file does not justify a dependency.
 */
final class Tar {
    private static final int BLOCK = 512;

    private Tar() {
    }

    static byte[] singleFile(String name, byte[] content) {
        byte[] header = new byte[BLOCK];
        put(header, 0, 100, name);
        put(header, 100, 8, octal(0644, 7));
        put(header, 108, 8, octal(0, 7));                       // uid
        put(header, 116, 8, octal(0, 7));                       // gid
        put(header, 124, 12, octal(content.length, 11));
        put(header, 136, 12, octal(1_700_000_000L, 11));       // mtime: fixed, so the layer is reproducible
        put(header, 148, 8, "        ");                        // checksum field counts as spaces while summing
        header[156] = '0';                                      // regular file
        put(header, 257, 6, "ustar");                           // magic "ustar\0"
        put(header, 263, 2, "00");
        put(header, 265, 32, "root");
        put(header, 297, 32, "root");
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        put(header, 148, 8, octal(sum, 6) + "\0 ");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header);
        out.writeBytes(content);
        out.writeBytes(new byte[(BLOCK - content.length % BLOCK) % BLOCK]);
        out.writeBytes(new byte[2 * BLOCK]);                    // end of archive: two zero blocks
        return out.toByteArray();
    }

    private static String octal(long value, int digits) {
        String s = Long.toOctalString(value);
        return "0".repeat(Math.max(0, digits - s.length())) + s;
    }

    private static void put(byte[] header, int offset, int length, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, Math.min(length, bytes.length));
    }
}
