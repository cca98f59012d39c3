package io.vodpack.delivery;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vodpack.storage.S3StorageProfile;

/** Playback in Chromium (Shaka Player, dash.js, wrong keys) with the stream served from an S3 bucket (S3Proxy). */
@QuarkusTest
@TestProfile(S3StorageProfile.class)
class S3PlaybackBrowserTest extends PlaybackBrowserTest {
}
