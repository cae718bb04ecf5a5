package io.acrproxy.server.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.acrproxy.core.observe.BlockedTargets;
import java.util.List;

/** {@code GET /blocked[?limit=N]}: the most recently and the most often refused targets (design §9.2). */
final class BlockedView {
    static final int DEFAULT_LIMIT = 50;

    private BlockedView() {
    }

    static ObjectNode of(BlockedTargets blocked, Query query) {
        int limit = query.integer("limit", 1, blocked.capacity(), DEFAULT_LIMIT);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("capacity", blocked.capacity());
        out.put("size", blocked.size());
        rows(out.putArray("mostRecent"), blocked.mostRecent(limit));
        rows(out.putArray("mostFrequent"), blocked.mostFrequent(limit));
        return out;
    }

    private static void rows(ArrayNode into, List<BlockedTargets.Entry> entries) {
        for (BlockedTargets.Entry e : entries) {
            into.addObject()
                    .put("host", e.host())
                    .put("port", e.port())
                    .put("group", e.group())
                    .put("reason", e.reason())
                    .put("decision", e.wouldDeny() ? "would_deny" : "deny")
                    .put("count", e.count())
                    .put("firstSeen", e.firstSeen().toString())
                    .put("lastSeen", e.lastSeen().toString())
                    .put("lastClient", e.lastClient())
                    .put("lastClientCert", e.lastClientCert());
        }
    }
}
