-- Every input, resumable upload and packaging job belongs to an owner (the owner of the API key that made it).
-- Rows from before owners existed belong to 'admin', the owner of the first admin key.
ALTER TABLE input_content ADD COLUMN owner VARCHAR(64) NOT NULL DEFAULT 'admin';
ALTER TABLE resumable_upload ADD COLUMN owner VARCHAR(64) NOT NULL DEFAULT 'admin';
ALTER TABLE packaging_job ADD COLUMN owner VARCHAR(64) NOT NULL DEFAULT 'admin';
ALTER TABLE input_content ALTER COLUMN owner DROP DEFAULT;
ALTER TABLE resumable_upload ALTER COLUMN owner DROP DEFAULT;
ALTER TABLE packaging_job ALTER COLUMN owner DROP DEFAULT;

CREATE INDEX input_content_owner_idx ON input_content (owner, created_at DESC, id DESC);
CREATE INDEX packaging_job_owner_idx ON packaging_job (owner, id DESC);
CREATE INDEX resumable_upload_owner_idx ON resumable_upload (owner);

-- Idempotency keys are per owner: two owners may both use 'trailer-1'.
ALTER TABLE packaging_job DROP CONSTRAINT packaging_job_idempotency_key_key;
CREATE UNIQUE INDEX packaging_job_idempotency_idx ON packaging_job (owner, idempotency_key);
