package io.acrproxy.server.soak;

/** How one client connection of the soak ended, as the client saw it. */
enum Outcome {
    /** Did what it was for, every byte checked. */
    OK,
    /** Ended normally (no error) with wrong, missing or extra bytes: always a failure of the soak. */
    CORRUPTED,
    /** Failed, or was refused, the way its injected fault says it must. */
    EXPECTED_FAILURE,
    /** Closed by a policy reload that removed its host, as expected. */
    REVOKED,
    /** Failed with no injected fault to explain it, or a fault was answered the wrong way: a failure of the soak. */
    UNEXPECTED
}
