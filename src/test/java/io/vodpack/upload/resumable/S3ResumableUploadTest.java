package io.vodpack.upload.resumable;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vodpack.storage.S3StorageProfile;

/** Every resumable (tus) upload behaviour, with inputs kept in an S3 bucket (S3Proxy). */
@QuarkusTest
@TestProfile(S3StorageProfile.class)
class S3ResumableUploadTest extends ResumableUploadTest {
}
