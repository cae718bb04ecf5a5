package io.acrproxy.policy.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.acrproxy.policy.host.Authority;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RoutesTest {
    private static final ParentProxy CORP = new ParentProxy("corp", "10.0.0.5", 8080, "edge", "s3cret");
    private static final ParentProxy CORP2 = new ParentProxy("corp2", "proxy2.contoso.com", 3128, null, null);

    private static Routes issueExample() {
        return new Routes(List.of(CORP, CORP2), List.of(
                new Routes.Rule(List.of("*.privatelink.contoso.com"), null),
                new Routes.Rule(List.of("*"), List.of(CORP, CORP2))));
    }

    private static String describe(Route r) {
        return r instanceof Route.ViaParents via
                ? via.rule() + " via " + String.join("+", via.parents().stream().map(ParentProxy::name).toList())
                : r.rule() + " direct";
    }

    @ParameterizedTest
    @CsvSource({
            "myreg.privatelink.contoso.com:443,          routes[0] direct",
            "a.b.privatelink.contoso.com:443,            routes[0] direct",
            "privatelink.contoso.com:443,                routes[1] via corp+corp2",
            "myreg.azurecr.io:443,                       routes[1] via corp+corp2",
            "20.1.2.3:443,                               routes[1] via corp+corp2",
    })
    void theFirstMatchingRouteWinsAndSuffixPatternsMatchAnyDepthBelowTheSuffix(String target, String expected) {
        assertThat(describe(issueExample().route(Authority.parse(target)))).isEqualTo(expected);
    }

    @Test
    void withParentsAndNoMatchingRouteATargetGoesThroughEveryParentNeverDirect() {
        Routes routes = new Routes(List.of(CORP, CORP2), List.of(new Routes.Rule(List.of("mcr.microsoft.com"), null)));

        assertThat(describe(routes.route(Authority.parse("mcr.microsoft.com:443")))).isEqualTo("routes[0] direct");
        assertThat(describe(routes.route(Authority.parse("myreg.azurecr.io:443"))))
                .isEqualTo("parents (no route matched) via corp+corp2");
        assertThat(describe(new Routes(List.of(CORP), List.of()).route(Authority.parse("myreg.azurecr.io:443"))))
                .isEqualTo("parents via corp");
    }

    @Test
    void withoutParentsEverythingIsDirect() {
        assertThat(Routes.direct().route(Authority.parse("myreg.azurecr.io:443"))).isInstanceOf(Route.Direct.class);
        assertThat(Routes.direct().hasParents()).isFalse();
    }

    @Test
    void aRouteThroughAnUnknownParentIsRejected() {
        assertThatThrownBy(() -> new Routes(List.of(CORP), List.of(new Routes.Rule(List.of("*"), List.of(CORP2)))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void credentialsBecomeABasicHeaderAndNeverAppearInText() {
        assertThat(CORP.authorization()).isEqualTo("Basic ZWRnZTpzM2NyZXQ=");
        assertThat(CORP2.authorization()).isNull();
        assertThat(CORP.toString()).contains("edge").doesNotContain("s3cret");
        assertThat(new ParentProxy("v6", "fd00::5", 3128, null, null).address()).isEqualTo("[fd00::5]:3128");
    }
}
