package io.vodpack.upload.ingest;

/**
 * An upload body written straight to the bucket ({@link PartTarget}: the parts of a multipart upload; {@link PutTarget}:
 * one PUT of a body whose length is known). Once the body has ended and passed its checks the object is
 * {@link #finish finished}; after any failure it is {@link #abort aborted}, and the bucket keeps nothing of it. Both
 * run on a worker thread after {@link #close}. Blocking.
 */
public interface BucketTarget extends BodyTarget {

    /** The object is written whole; a failure to reach the bucket is a {@code StorageUnavailableException}. */
    void finish();

    /** Whatever reached the bucket goes. */
    void abort();
}
