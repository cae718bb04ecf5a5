package io.acrproxy.policy;

import java.util.Objects;

/**
 * A policy decision as a value: what was decided, why (a §5 reason code), which rule decided it, and a
 * sentence a person can act on. Decisions are never thrown.
 *
 * @param verdict allow, deny or would_deny
 * @param reason  {@link Reason#ALLOWED} when allowed, otherwise the refusal's reason code (also for would_deny)
 * @param rule    the rule that matched, e.g. {@code registry myreg: data endpoint eastus}, or the default that
 *                denied, e.g. {@code default deny}
 * @param message the human-readable explanation, e.g. {@code evil.azurecr.io is not an allowed registry endpoint}
 */
public record Decision(Verdict verdict, Reason reason, String rule, String message) {

    public Decision {
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(message, "message");
        if ((verdict == Verdict.ALLOW) != (reason == Reason.ALLOWED)) {
            throw new IllegalArgumentException("verdict " + verdict + " does not fit reason " + reason);
        }
    }

    public static Decision allow(String rule, String message) {
        return new Decision(Verdict.ALLOW, Reason.ALLOWED, rule, message);
    }

    public static Decision deny(Reason reason, String rule, String message) {
        return new Decision(Verdict.DENY, reason, rule, message);
    }

    public boolean allowed() {
        return verdict == Verdict.ALLOW;
    }

    /** True when the request may proceed: allowed, or denied only in report mode. */
    public boolean permits() {
        return verdict.permits();
    }

    /** In report mode a deny becomes would_deny; everything else is unchanged. */
    public Decision under(Mode mode) {
        if (mode == Mode.REPORT && verdict == Verdict.DENY) {
            return new Decision(Verdict.WOULD_DENY, reason, rule, message);
        }
        return this;
    }
}
