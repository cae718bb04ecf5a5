package io.acrproxy.core.connect;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;

/** Each accepted client connection starts as: strict request-head decoder, then the CONNECT handler. */
public final class ProxyChannelInitializer extends ChannelInitializer<Channel> {
    /** Pipeline name of the request-head decoder; replaced by a fresh one after a 407 challenge. */
    public static final String HEAD_DECODER = "head";

    private final DataPlane plane;

    public ProxyChannelInitializer(DataPlane plane) {
        this.plane = plane;
    }

    @Override
    protected void initChannel(Channel ch) {
        ch.pipeline()
                .addLast(HEAD_DECODER, new RequestHeadDecoder(plane.maxHeaderBytes()))
                .addLast("connect", new ConnectRequestHandler(plane));
    }
}
