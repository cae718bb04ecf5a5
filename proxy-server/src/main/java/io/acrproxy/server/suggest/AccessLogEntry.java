package io.acrproxy.server.suggest;

import java.time.Instant;

/**
 * The fields of one access-log line (design §9.2) that {@code suggest} reads. Lines written before client groups
 * existed have no {@code group}: they are the top-level policy's ({@code default}).
 *
 * @param time the connection's start ({@code ts})
 */
record AccessLogEntry(Instant time, String client, String user, String group, String target, String decision,
                      String reason) {
}
