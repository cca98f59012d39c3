package io.vodpack.delivery;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Start-up refuses trusted forwarded headers without a public base URL: a client would choose the key server. */
class ManifestRewriterTest {

    @Test
    void trustedForwardedHeadersWithoutAPublicBaseUrlRefuseToStart() {
        assertThatThrownBy(() -> ManifestRewriter.requireBaseUrlWhenForwardedHeadersAreTrusted(true, false))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("vodpack.public-base-url");
        assertThatCode(() -> ManifestRewriter.requireBaseUrlWhenForwardedHeadersAreTrusted(true, true)).doesNotThrowAnyException();
        assertThatCode(() -> ManifestRewriter.requireBaseUrlWhenForwardedHeadersAreTrusted(false, false)).doesNotThrowAnyException();
    }
}
