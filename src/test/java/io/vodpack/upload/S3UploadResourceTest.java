package io.vodpack.upload;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vodpack.storage.S3StorageProfile;

/**
 * Every single-request upload behaviour, with inputs streamed to an S3 bucket (S3Proxy). Uploads of several parts,
 * and what an abort leaves in the bucket, are in {@code S3StreamingUploadTest}.
 */
@QuarkusTest
@TestProfile(S3StorageProfile.class)
class S3UploadResourceTest extends UploadResourceTest {

    /** The body of a file smaller than a part stays in memory until it ends; give it a moment to arrive. */
    @Override
    protected void awaitBodyArriving() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
