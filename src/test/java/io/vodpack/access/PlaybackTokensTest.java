package io.vodpack.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.vodpack.access.playback.PlaybackTokens;
import io.vodpack.core.error.ProblemException;

/** Playback tokens: valid for one content until they expire; altered or foreign tokens are refused. */
@QuarkusTest
class PlaybackTokensTest {

    @Inject
    PlaybackTokens tokens;

    @Test
    void aUrlCarriesTheTokenUrlEncodedInOneWay() {
        assertThat(PlaybackTokens.query("eyJ.a-b_c")).isEqualTo("token=eyJ.a-b_c");
        assertThat(PlaybackTokens.query("a b+c/=&")).isEqualTo("token=a+b%2Bc%2F%3D%26");
    }

    @Test
    void aTokenOpensItsOwnContentOnly() {
        PlaybackTokens.Minted minted = tokens.mint(41, null);
        assertThat(minted.expiresAt()).isBetween(Instant.now().plusSeconds(3500), Instant.now().plusSeconds(3601));
        tokens.verify(minted.token(), 41);
        assertThatThrownBy(() -> tokens.verify(minted.token(), 42)).isInstanceOf(ProblemException.class)
                .extracting("status").isEqualTo(403);
    }

    @Test
    void alteredMissingAndExpiredTokensGet401() {
        String token = tokens.mint(7, null).token();
        String altered = token.substring(0, token.length() - 4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
        assertThatThrownBy(() -> tokens.verify(altered, 7)).extracting("status").isEqualTo(401);
        assertThatThrownBy(() -> tokens.verify(null, 7)).extracting("status").isEqualTo(401);
        String shortLived = tokens.mint(7, Duration.ofSeconds(1)).token();
        Awaitility.await().atMost(Duration.ofSeconds(4)).untilAsserted(() -> assertThatThrownBy(
                () -> tokens.verify(shortLived, 7)).isInstanceOf(ProblemException.class).hasMessageContaining("expired"));
    }

    @Test
    void lifetimesBeyondTheMaximumAreRefused() {
        assertThatThrownBy(() -> tokens.mint(7, Duration.ofDays(30))).extracting("status").isEqualTo(400);
        assertThatThrownBy(() -> tokens.mint(7, Duration.ZERO)).extracting("status").isEqualTo(400);
    }
}
