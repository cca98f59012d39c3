package io.vodpack.packaging;

import java.time.OffsetDateTime;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A request to package one input into an encrypted DASH stream, and its progress through the queue. */
@Entity
@Table(name = "packaging_job")
public class PackagingJob {

    /** QUEUED -> RUNNING -> DONE | FAILED | CANCELLED; RUNNING -> QUEUED when a lease expires or is handed back. */
    public enum Status {
        QUEUED, RUNNING, DONE, FAILED, CANCELLED;

        public boolean finished() {
            return this == DONE || this == FAILED || this == CANCELLED;
        }
    }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "input_content_id")
    public Long inputContentId;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 16)
    public Status status;

    @Column(nullable = false, length = 16)
    public String engine;

    @Column(name = "key_hex", nullable = false, length = 32, columnDefinition = "bpchar(32)")
    public String keyHex;

    @Column(name = "kid_hex", nullable = false, length = 32, columnDefinition = "bpchar(32)")
    public String kidHex;

    @Column(name = "key_text", nullable = false, length = 64)
    public String keyText;

    @Column(name = "kid_text", nullable = false, length = 64)
    public String kidText;

    @Column(name = "idempotency_key", unique = true)
    public String idempotencyKey;

    @Column(name = "request_fingerprint", length = 64, columnDefinition = "bpchar(64)")
    public String requestFingerprint;

    @Column(name = "base_url", nullable = false, length = 512)
    public String baseUrl;

    @Column(nullable = false)
    public int progress;

    @Column(nullable = false)
    public int attempts;

    @Column(name = "error_detail", columnDefinition = "text")
    public String errorDetail;

    @Column(name = "lease_owner", length = 128)
    public String leaseOwner;

    @Column(name = "lease_expires_at")
    public OffsetDateTime leaseExpiresAt;

    @Column(name = "created_at", nullable = false)
    public OffsetDateTime createdAt;

    @Column(name = "started_at")
    public OffsetDateTime startedAt;

    @Column(name = "finished_at")
    public OffsetDateTime finishedAt;

    public ContentKey key() {
        return ContentKey.ofHex(keyHex, keyText);
    }

    public ContentKey kid() {
        return ContentKey.ofHex(kidHex, kidText);
    }
}
