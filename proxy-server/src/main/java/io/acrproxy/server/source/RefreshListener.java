package io.acrproxy.server.source;

import io.acrproxy.policy.servicetag.ServiceTagsFile;

/** Told the outcome of every check, on the refresher's thread. */
public interface RefreshListener {

    /**
     * The source holds content different from what was last delivered. Throwing (e.g. because a configured tag
     * is no longer in the file) counts as a failed check: the file is not remembered as delivered, so the next
     * check offers it again.
     */
    void onChanged(ServiceTagsFile file);

    void onUnchanged();

    void onFailed(String reason);
}
