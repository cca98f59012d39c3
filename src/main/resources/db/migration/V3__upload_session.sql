-- Resumable (tus 1.0) uploads in progress. The bytes live in storage/resumable/<id>.part until the last one
-- arrives; then the file is validated and becomes an input_content row like any other upload.
CREATE TABLE upload_session (
    id               VARCHAR(36)  PRIMARY KEY,
    status           VARCHAR(16)  NOT NULL,
    upload_length    BIGINT       NOT NULL,
    upload_offset    BIGINT       NOT NULL DEFAULT 0,
    metadata         VARCHAR(4096),
    filename         VARCHAR(255),
    filetype         VARCHAR(128),
    input_content_id BIGINT REFERENCES input_content (id) ON DELETE SET NULL,
    error_status     INTEGER,
    error_detail     TEXT,
    lock_owner       VARCHAR(64),
    locked_until     TIMESTAMP WITH TIME ZONE,
    expires_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX upload_session_expiry_idx ON upload_session (status, expires_at);
