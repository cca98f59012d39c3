package io.vodpack.upload.resumable;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vodpack.storage.S3StorageProfile;
import io.vodpack.support.Db;
import io.vodpack.support.S3Server;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Every resumable (tus) upload behaviour, with the bytes kept in an S3 bucket (S3Proxy): parts of a multipart upload
 * to the input's object and a tail object under {@code resumable/<id>/}, and no partial file on the local disk.
 */
@QuarkusTest
@TestProfile(S3StorageProfile.class)
class S3ResumableUploadTest extends ResumableUploadTest {

    static final String BUCKET = S3StorageProfile.BUCKET;
    final S3Server s3 = S3Server.shared();

    @Inject
    ResumableUploadRemoval removal;

    /** The bucket keeps what the row names: the tail objects and the parts of the upload's multipart upload. */
    @Override
    protected long keptBytes(String id) {
        assertThat(storage.resumableFile(id)).as("no local partial file").doesNotExist();
        List<S3Object> tails = s3.client().listObjectsV2(b -> b.bucket(BUCKET).prefix("resumable/" + id + "/")).join()
                .contents();
        long bytes = tails.stream().mapToLong(S3Object::size).sum();
        boolean any = !tails.isEmpty();
        String object = Db.count(db, "select count(*) from resumable_upload where id = ?", id) == 0 ? null
                : Db.string(db, "select object_name from resumable_upload where id = ?", id);
        String multipart = object == null ? null : Db.string(db, "select multipart_id from resumable_upload where id = ?", id);
        if (multipart != null && s3.client().listMultipartUploads(b -> b.bucket(BUCKET)).join().uploads().stream()
                .anyMatch(u -> u.uploadId().equals(multipart))) {
            any = true;
            bytes += s3.client().listParts(b -> b.bucket(BUCKET).key("inputs/" + object).uploadId(multipart)).join()
                    .parts().stream().mapToLong(p -> p.size()).sum();
        }
        return any ? bytes : -1;
    }

    /** The bucket keeps a PATCH's bytes when it ends; give those on their way a moment to arrive first. */
    @Override
    protected void awaitArrived(String id, long sent) {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    protected long keptUploads() {
        return s3.keys(BUCKET, "resumable/").stream().map(k -> k.split("/")[1]).distinct().count()
                + s3.openMultipartUploads(BUCKET);
    }

    /** The bucket's sweep, with a cutoff that makes every object old: tails of no unfinished upload go, others stay. */
    @Override
    @Test
    void partialFilesWithoutAnUploadAreSweptOnceStale() throws Exception {
        String orphan = "resumable/00000000-0000-0000-0000-000000000000/tail-6";
        s3.client().putObject(b -> b.bucket(BUCKET).key(orphan), AsyncRequestBody.fromString("no row")).join();
        String url = createRaw(1_000_000);
        patch(url, 0, new byte[10_000], null).then().statusCode(204);

        removal.removeOrphanTails(store.objectParts().orElseThrow(), Instant.now().plusSeconds(60)).await().indefinitely();

        assertThat(s3.keys(BUCKET, "resumable/00000000-0000-0000-0000-000000000000/")).isEmpty();
        assertThat(keptBytes(id(url))).as("an idle upload that has not expired keeps its bytes").isEqualTo(10_000);
        assertThat(offset(url)).isEqualTo(10_000);
    }
}
