-- Whether a DONE job's live output holds HLS playlists (master.m3u8 and its media playlists) beside the MPD, over the
-- same segments. Jobs published before HLS was written, and jobs of engines that write no HLS, have none.
ALTER TABLE packaging_job ADD COLUMN hls boolean NOT NULL DEFAULT false;
