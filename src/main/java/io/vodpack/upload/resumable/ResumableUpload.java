package io.vodpack.upload.resumable;

import java.time.OffsetDateTime;
import java.util.List;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A resumable upload: how long it will be, how much has arrived, and what it became. */
@Entity
@Table(name = "resumable_upload")
public class ResumableUpload {

    /** UPLOADING until the last byte; then COMPLETE (an input exists) or FAILED (validation said no). */
    public enum Status {
        UPLOADING, COMPLETE, FAILED
    }

    @Id
    @Column(length = 36)
    public String id;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 16)
    public Status status;

    @Column(name = "upload_length", nullable = false)
    public long length;

    @Column(name = "upload_offset", nullable = false)
    public long offset;

    @Column(length = 4096)
    public String metadata;

    public String filename;

    @Column(length = 128)
    public String filetype;

    @Column(name = "input_content_id")
    public Long inputContentId;

    @Column(name = "error_status")
    public Integer errorStatus;

    @Column(name = "error_detail", columnDefinition = "text")
    public String errorDetail;

    @Column(name = "lock_owner", length = 64)
    public String lockOwner;

    @Column(name = "locked_until")
    public OffsetDateTime lockedUntil;

    @Column(name = "expires_at", nullable = false)
    public OffsetDateTime expiresAt;

    @Column(name = "created_at", nullable = false)
    public OffsetDateTime createdAt;

    /** The owner of the API key that created it; only that owner (or an admin key) sees it. */
    @Column(nullable = false, length = 64)
    public String owner;

    /** Storage kind s3: the input's storage name, whose object the parts are written to; null on a filesystem. */
    @Column(name = "object_name", length = 64)
    public String objectName;

    /** Storage kind s3: the multipart upload of the full parts; null until the first part. */
    @Column(name = "multipart_id", columnDefinition = "text")
    public String multipartId;

    /** Storage kind s3: bytes of every full part, fixed at creation. */
    @Column(name = "part_size")
    public Integer partSize;

    /** Storage kind s3: entity tags of the full parts in order, one a line. */
    @Column(name = "part_etags", columnDefinition = "text")
    public String partEtags;

    /** Storage kind s3: the object holding the bytes after the last full part; null when there are none. */
    @Column(name = "tail_key", columnDefinition = "text")
    public String tailKey;

    /** Storage kind s3: the SHA-256 state at {@link #offset} ({@link ResumableSha256#state()}). */
    @Column(name = "sha256_state")
    public byte[] sha256State;

    /** The entity tags of the full parts in the bucket, in order. */
    public List<String> etags() {
        return partEtags == null || partEtags.isEmpty() ? List.of() : List.of(partEtags.split("\n"));
    }

    /** Whether clients may still see it: every finished upload, and an unfinished one until its expiry. */
    public boolean isLive(OffsetDateTime now) {
        return status != Status.UPLOADING || !expiresAt.isBefore(now);
    }
}
