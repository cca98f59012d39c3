-- A resumable upload kept in a bucket (storage kind s3) writes its bytes as the parts of one multipart upload to
-- inputs/<object_name>; the bytes after the last full part wait in a small tail object. The row says how far the
-- bytes are durable in the bucket, for any replica to go on: the parts (their entity tags, in order), the tail
-- object, and the SHA-256 state at upload_offset. All stay null with storage kind filesystem.
ALTER TABLE resumable_upload
    ADD COLUMN object_name varchar(64),
    ADD COLUMN multipart_id text,
    ADD COLUMN part_size integer,
    ADD COLUMN part_etags text,
    ADD COLUMN tail_key text,
    ADD COLUMN sha256_state bytea;
CREATE INDEX resumable_upload_multipart_idx ON resumable_upload (multipart_id) WHERE multipart_id IS NOT NULL;
