-- One source of job events for every replica: each status or progress change of a packaging job is announced on
-- the channel vodpack_jobs as '<id>:<status>:<progress>'. NOTIFY is transactional: listeners hear of a change only
-- once it is committed, and never of one that was rolled back. A trigger covers every writer (JobQueue, sweeps,
-- manual SQL) in the same transaction as the change itself.
CREATE FUNCTION packaging_job_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('vodpack_jobs', NEW.id || ':' || NEW.status || ':' || NEW.progress);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER packaging_job_inserted AFTER INSERT ON packaging_job
    FOR EACH ROW EXECUTE FUNCTION packaging_job_notify();

CREATE TRIGGER packaging_job_changed AFTER UPDATE OF status, progress ON packaging_job
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.progress IS DISTINCT FROM NEW.progress)
    EXECUTE FUNCTION packaging_job_notify();
