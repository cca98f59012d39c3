package io.vodpack.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;

import org.junit.jupiter.api.Test;

import io.vodpack.core.error.ProblemException;

/** Webhooks call public addresses only, unless VODPACK_WEBHOOKS_ALLOW_PRIVATE=true (server-side request forgery). */
class WebhookTargetsTest {

    @Test
    void loopbackPrivateAndLinkLocalTargetsAreRefusedUnlessAllowed() {
        for (String url : new String[] { "http://127.0.0.1:8080/hook", "http://localhost/hook", "https://10.1.2.3/",
                "https://192.168.0.10/", "https://172.16.5.5/", "http://169.254.169.254/latest/meta-data/",
                "http://[::1]/", "http://[fd00::1]/", "http://0.0.0.0/", "http://100.64.0.1/" }) {
            URI uri = WebhookTargets.parse(url);
            assertThatThrownBy(() -> WebhookTargets.check(uri, false)).as(url).isInstanceOf(ProblemException.class)
                    .hasMessageContaining("internal address");
            WebhookTargets.check(uri, true);
        }
    }

    @Test
    void publicAddressesAreAccepted() throws Exception {
        WebhookTargets.check(WebhookTargets.parse("https://93.184.216.34/hook"), false);
        assertThat(WebhookTargets.internal(InetAddress.getByName("8.8.8.8"))).isFalse();
    }

    @Test
    void onlyAbsoluteHttpUrlsWithoutCredentialsAreTaken() {
        for (String url : new String[] { "ftp://example.com/", "/relative", "https://user:pw@example.com/", "not a url", "" }) {
            assertThatThrownBy(() -> WebhookTargets.parse(url)).as(url).isInstanceOf(ProblemException.class);
        }
    }

    @Test
    void signatureFollowsStandardWebhooks() {
        // The test vector of the Standard Webhooks reference libraries.
        String secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        String signature = WebhookSignature.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                "{\"test\": 2432232314}");
        assertThat(signature).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
