package io.vodpack.upload;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vodpack.storage.S3StorageProfile;

/** Every single-request upload behaviour, with inputs kept in an S3 bucket (S3Proxy). */
@QuarkusTest
@TestProfile(S3StorageProfile.class)
class S3UploadResourceTest extends UploadResourceTest {
}
