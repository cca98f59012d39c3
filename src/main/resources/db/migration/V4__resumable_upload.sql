-- One name for the concept: the resumable upload (spoken as tus 1.0 at /files/). Rows, bytes and behaviour are
-- unchanged; only the table, its index and its constraints take the name.
ALTER TABLE upload_session RENAME TO resumable_upload;
ALTER TABLE resumable_upload RENAME CONSTRAINT upload_session_pkey TO resumable_upload_pkey;
ALTER TABLE resumable_upload RENAME CONSTRAINT upload_session_input_content_id_fkey TO resumable_upload_input_content_id_fkey;
ALTER INDEX upload_session_expiry_idx RENAME TO resumable_upload_expiry_idx;
