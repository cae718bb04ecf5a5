package io.acrproxy.core.transport.epoll;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoOps;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeptInEpollRegistrationTest {
    private final List<Integer> submitted = new ArrayList<>();
    private final KeptInEpollRegistration registration = new KeptInEpollRegistration(new IoRegistration() {
        @Override
        public <T> T attachment() {
            return null;
        }

        @Override
        public long submit(IoOps ops) {
            submitted.add(((EpollIoOps) ops).value());
            return 0;
        }

        @Override
        public boolean isValid() {
            return true;
        }

        @Override
        public boolean cancel() {
            return true;
        }
    });

    @Test
    void anEmptySetBeforeTheFirstAddStaysNettysNoOp() {
        registration.submit(EpollIoOps.NONE);

        assertThat(submitted).containsExactly(0);
    }

    @Test
    void anEmptySetAfterAnAddKeepsTheDescriptorInEpollWithNoEventAskedFor() {
        registration.submit(EpollIoOps.EPOLLRDHUP.with(EpollIoOps.EPOLLIN));
        registration.submit(EpollIoOps.NONE); // the peer's FIN has cleared EPOLLIN and EPOLLRDHUP
        registration.submit(EpollIoOps.EPOLLOUT); // a write filled the socket

        assertThat(submitted).containsExactly(EpollIoOps.EPOLLRDHUP.value() | EpollIoOps.EPOLLIN.value(),
                EpollIoOps.EPOLLET.value(), EpollIoOps.EPOLLOUT.value());
    }

    @Test
    void whileASplicerReadsThePeersFinIsNotAskedForSoItsEofArrivesAsInput() {
        EpollIoOps reading = EpollIoOps.EPOLLRDHUP.with(EpollIoOps.EPOLLIN);
        registration.submit(reading);

        registration.maskPeerShutdown(true);
        registration.submit(EpollIoOps.EPOLLRDHUP); // reading paused while a pipeful is queued
        registration.submit(reading);
        registration.maskPeerShutdown(false);

        assertThat(submitted).containsExactly(reading.value(), EpollIoOps.EPOLLIN.value(), EpollIoOps.EPOLLET.value(),
                EpollIoOps.EPOLLIN.value(), reading.value());
    }
}
