-- A deleted job is announced on vodpack_jobs too, as '<id>:DELETED:<progress>:<output folder or nothing>', in the
-- transaction that deletes it: every replica then forgets the stream it served for that job (and the segments it kept
-- nearby) at the commit, not when its own caches happen to expire.
CREATE FUNCTION packaging_job_deleted_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('vodpack_jobs', OLD.id || ':DELETED:' || OLD.progress || ':' || COALESCE(OLD.output_folder, ''));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER packaging_job_deleted AFTER DELETE ON packaging_job
    FOR EACH ROW EXECUTE FUNCTION packaging_job_deleted_notify();
