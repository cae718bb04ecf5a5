package io.acrproxy.core.connect;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

/**
 * Writes a refusal and closes the connection. The reason phrase starts with what kind of refusal it is and
 * goes on with the policy's or the failure's own sentence, because Go clients show the phrase as the error
 * ({@code proxyconnect tcp: Forbidden by egress policy: evilreg.azurecr.io is not an allowed registry endpoint}).
 */
final class Refusals {
    private Refusals() {
    }

    static void send(Channel channel, Refusal refusal) {
        channel.writeAndFlush(ProxyResponses.encode(refusal, channel.alloc())).addListener(ChannelFutureListener.CLOSE);
    }

    /** {@code Forbidden by egress policy: <message>} for 403, and likewise for the other statuses. */
    static String phrase(int status, String message) {
        String kind = switch (status) {
            case 400 -> "Bad request";
            case 403 -> "Forbidden by egress policy";
            case 407 -> "Proxy authentication required";
            case 408 -> "Request timeout";
            case 429 -> "Too many requests from this client";
            case 503 -> "Proxy busy";
            case 500 -> "Internal proxy error";
            case 502 -> "Bad gateway";
            case 504 -> "Gateway timeout";
            default -> "Refused";
        };
        return kind + ": " + message;
    }
}
