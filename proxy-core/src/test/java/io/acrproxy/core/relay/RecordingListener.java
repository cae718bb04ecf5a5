package io.acrproxy.core.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every result it is told; the relay must tell exactly one per tunnel. */
final class RecordingListener implements Relay.Listener {
    private final List<RelayResult> results = new CopyOnWriteArrayList<>();

    @Override
    public void onClosed(RelayResult result) {
        results.add(result);
    }

    boolean called() {
        return !results.isEmpty();
    }

    RelayResult single() {
        assertThat(results).as("listener calls").hasSize(1);
        return results.get(0);
    }
}
