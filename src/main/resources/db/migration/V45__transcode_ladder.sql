-- A packaging job may ask for a ladder of transcoded renditions. Each rendition (a video rung, or the audio) is a
-- TRANSCODE job in the same queue, with the same leases, attempts and sweeper; its parent_id is the PACKAGE job that
-- packages the renditions once all of them are DONE. A TRANSCODE job carries no keys: its parent holds them.
ALTER TABLE packaging_job ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT 'PACKAGE';
ALTER TABLE packaging_job ADD COLUMN parent_id BIGINT REFERENCES packaging_job (id) ON DELETE CASCADE;
-- PACKAGE jobs: the ladder asked for ('default' or 'custom'); null packages the input as it is.
ALTER TABLE packaging_job ADD COLUMN ladder VARCHAR(16);
-- TRANSCODE jobs: the rendition made ('1080p' ... or 'audio'), its height and bitrate (kbit/s; null for audio:
-- the audio bitrate is fixed) and the DRM label its track is encrypted under.
ALTER TABLE packaging_job ADD COLUMN rendition VARCHAR(16);
ALTER TABLE packaging_job ADD COLUMN rendition_height INTEGER;
ALTER TABLE packaging_job ADD COLUMN rendition_bitrate INTEGER;
ALTER TABLE packaging_job ADD COLUMN drm_label VARCHAR(8);

ALTER TABLE packaging_job ALTER COLUMN key_hex DROP NOT NULL;
ALTER TABLE packaging_job ALTER COLUMN kid_hex DROP NOT NULL;
ALTER TABLE packaging_job ALTER COLUMN key_text DROP NOT NULL;
ALTER TABLE packaging_job ALTER COLUMN kid_text DROP NOT NULL;
ALTER TABLE packaging_job ADD CONSTRAINT packaging_job_kind CHECK (
    (kind = 'PACKAGE' AND parent_id IS NULL AND key_hex IS NOT NULL AND kid_hex IS NOT NULL
        AND key_text IS NOT NULL AND kid_text IS NOT NULL)
    OR (kind = 'TRANSCODE' AND parent_id IS NOT NULL AND rendition IS NOT NULL AND drm_label IS NOT NULL
        AND key_hex IS NULL AND kid_hex IS NULL));

CREATE INDEX packaging_job_parent_idx ON packaging_job (parent_id);

-- Webhooks speak of packaged content only: a rendition's own end is not an event.
DROP TRIGGER packaging_job_finished ON packaging_job;
CREATE TRIGGER packaging_job_finished AFTER UPDATE OF status ON packaging_job
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('DONE', 'FAILED', 'CANCELLED')
        AND NEW.kind = 'PACKAGE')
    EXECUTE FUNCTION packaging_job_webhooks();
