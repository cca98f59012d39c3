-- A ladder may encrypt its tracks under separate keys, one per DRM label: AUDIO (the audio), SD (rungs below 720
-- lines) and HD (720 lines and up). Each pair is bound in content_key like a job's single pair (one KID, one key);
-- the job's own key_hex/kid_hex hold its SD pair.
CREATE TABLE packaging_job_key (
    packaging_job_id BIGINT      NOT NULL REFERENCES packaging_job (id) ON DELETE CASCADE,
    label            VARCHAR(8)  NOT NULL,
    kid_hex          CHAR(32)    NOT NULL,
    key_hex          CHAR(32)    NOT NULL,
    kid_text         VARCHAR(64) NOT NULL,
    key_text         VARCHAR(64) NOT NULL,
    PRIMARY KEY (packaging_job_id, label),
    CONSTRAINT packaging_job_key_bound FOREIGN KEY (kid_hex, key_hex) REFERENCES content_key (kid_hex, key_hex)
);
