package io.acrproxy.server.source;

/**
 * One look at a service-tags source. Implementations report failures as {@link CheckOutcome.Failed} rather than
 * throwing, so that the refresher's thread never dies on a bad download.
 */
@FunctionalInterface
public interface ServiceTagsCheck {
    CheckOutcome check();
}
