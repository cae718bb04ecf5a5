package io.acrproxy.core.connection;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/**
 * The bytes the proxy writes before a tunnel exists: {@code 200 Connection established} and refusals.
 * Netty's HTTP codec is not in the pipeline (the request head is read by {@link RequestHeadDecoder}), so
 * responses are written as ready-made bytes.
 *
 * <p>A refusal is one status line, a few headers and a one-line body (design §5):
 * <pre>
 * HTTP/1.1 403 Forbidden by egress policy: evilreg.azurecr.io is not an allowed registry endpoint
 * Proxy-Status: acr-egress-proxy; error=http_request_denied; details="Forbidden by egress policy: ..."
 * Content-Type: text/plain; charset=utf-8
 * Content-Length: 83
 * Connection: close
 * </pre>
 * Go clients print the reason phrase as the error, so it carries the message itself rather than the
 * status's standard phrase; RFC 9112 §4 lets a server choose the phrase freely.
 */
public final class ProxyResponses {
    /** design §2 stage 6: exactly this, nothing more, so that the client speaks next. */
    public static final String CONNECTION_ESTABLISHED = "HTTP/1.1 200 Connection established\r\n\r\n";
    /** The RFC 9209 §2 list member naming this intermediary (an sf-token). */
    public static final String PROXY_STATUS_NAME = "acr-egress-proxy";
    /** Longest reason phrase sent; longer messages are cut, the same text goes to details and body. */
    public static final int MAX_MESSAGE_CHARS = 200;

    private static final byte[] CONNECTION_ESTABLISHED_BYTES = CONNECTION_ESTABLISHED.getBytes(StandardCharsets.US_ASCII);

    private ProxyResponses() {
    }

    /** A new buffer holding {@link #CONNECTION_ESTABLISHED}; the caller writes (and so releases) it. */
    public static ByteBuf connectionEstablished(ByteBufAllocator alloc) {
        return alloc.buffer(CONNECTION_ESTABLISHED_BYTES.length).writeBytes(CONNECTION_ESTABLISHED_BYTES);
    }

    /** A new buffer holding the whole refusal response; the caller writes (and so releases) it. */
    public static ByteBuf encode(Refusal refusal, ByteBufAllocator alloc) {
        String response = render(refusal);
        ByteBuf buf = alloc.buffer(response.length());
        ByteBufUtil.writeAscii(buf, response);
        return buf;
    }

    /** The reason phrase the refusal is answered with: its message, printable and at most 200 characters. */
    public static String reasonPhrase(Refusal refusal) {
        String text = ResponseText.printable(refusal.message(), MAX_MESSAGE_CHARS);
        return text.isEmpty() ? standardPhrase(refusal.status()) : text;
    }

    /** The refusal response as text; every character is printable US-ASCII, CR or LF. */
    public static String render(Refusal refusal) {
        String text = reasonPhrase(refusal);
        String body = switch (refusal.body()) {
            case TEXT -> text + "\n";
            // The error format of the registry API (OCI distribution-spec, "Error Codes"); docker shows "message".
            case REGISTRY_JSON -> "{\"errors\":[{\"code\":\"DENIED\",\"message\":" + ResponseText.jsonString(text) + "}]}\n";
            case NONE -> "";
        };
        StringBuilder sb = new StringBuilder(256 + 3 * text.length());
        sb.append("HTTP/1.1 ").append(refusal.status()).append(' ').append(text).append("\r\n");
        // RFC 9209 §2: the member names the proxy; "error" is a registered error type (§2.3), "details" an
        // sf-string for people (§2.1.5).
        sb.append("Proxy-Status: ").append(PROXY_STATUS_NAME)
                .append("; error=").append(refusal.reason().proxyStatusError());
        if (refusal.nextHop() != null) {
            // RFC 9209 §2.1.3 and §2.1.4: which hop failed, and what it answered.
            sb.append("; next-hop=").append(ResponseText.quoted(refusal.nextHop().name()));
            if (refusal.nextHop().receivedStatus() > 0) {
                sb.append("; received-status=").append(refusal.nextHop().receivedStatus());
            }
        }
        sb.append("; details=").append(ResponseText.quoted(text)).append("\r\n");
        if (refusal.realm() != null) {
            // RFC 7617 §2: the realm is a quoted-string; charset tells the client to send UTF-8 credentials.
            sb.append("Proxy-Authenticate: Basic realm=").append(ResponseText.quoted(refusal.realm()))
                    .append(", charset=\"UTF-8\"\r\n");
        }
        if (refusal.retryAfterSeconds() >= 0) {
            sb.append("Retry-After: ").append(refusal.retryAfterSeconds()).append("\r\n");
        }
        switch (refusal.body()) {
            case TEXT -> sb.append("Content-Type: text/plain; charset=utf-8\r\n");
            case REGISTRY_JSON -> sb.append("Content-Type: application/json\r\n");
            case NONE -> { }
        }
        if (refusal.body() != Refusal.Body.NONE) {
            // The body is ASCII, so its length in characters is its length in bytes.
            sb.append("Content-Length: ").append(body.length()).append("\r\n");
        }
        if (!refusal.keepAlive()) {
            sb.append("Connection: close\r\n");
        }
        return sb.append("\r\n").append(body).toString();
    }

    /** RFC 9110 §15 phrases, used only when the message has nothing printable left. */
    static String standardPhrase(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 407 -> "Proxy Authentication Required";
            case 408 -> "Request Timeout";
            case 414 -> "URI Too Long";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            case 505 -> "HTTP Version Not Supported";
            default -> status < 500 ? "Client Error" : "Server Error";
        };
    }
}
