-- Every attempt at a job owns its lease (lease_owner is unique per attempt) and its own folders; DONE records which
-- attempt's published folder is live, so a stale attempt can never replace it.
ALTER TABLE packaging_job ADD COLUMN output_folder VARCHAR(128);
UPDATE packaging_job SET output_folder = id::text WHERE status = 'DONE';
-- A job waiting for free space or retrying after a transient failure is not claimed before this time.
ALTER TABLE packaging_job ADD COLUMN not_before TIMESTAMP WITH TIME ZONE;
-- URLs written into stored rows or files never come from a request: the license URL is added when the MPD is served.
ALTER TABLE packaging_job DROP COLUMN base_url;

-- One KID, one key: a KID is bound to the key of the first job that used it, and every job must match its binding.
CREATE TABLE content_key (
    kid_hex    CHAR(32) PRIMARY KEY,
    key_hex    CHAR(32) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    CONSTRAINT content_key_kid_is_not_key CHECK (kid_hex <> key_hex),
    CONSTRAINT content_key_pair UNIQUE (kid_hex, key_hex)
);
-- Existing KIDs keep the key of their oldest job (the first to use it).
INSERT INTO content_key (kid_hex, key_hex)
SELECT DISTINCT ON (kid_hex) kid_hex, key_hex FROM packaging_job WHERE kid_hex <> key_hex ORDER BY kid_hex, id;
-- NOT VALID: rows written before this migration may disagree; every new or changed row must agree.
ALTER TABLE packaging_job ADD CONSTRAINT packaging_job_bound_key FOREIGN KEY (kid_hex, key_hex)
    REFERENCES content_key (kid_hex, key_hex) NOT VALID;
