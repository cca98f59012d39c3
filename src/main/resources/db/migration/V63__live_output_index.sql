-- The packaging sweeper asks which published folders are a job's live output (output_folder = ANY(...)) on every run:
-- an index keeps that lookup as cheap with 100 000 jobs as with 100. Only DONE jobs name a folder.
CREATE INDEX packaging_job_output_folder_idx ON packaging_job (output_folder) WHERE output_folder IS NOT NULL;
