package io.vodpack.core.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import io.netty.buffer.Unpooled;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vodpack.core.config.VodpackConfig;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.SystemPropertyCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.client.config.SdkAdvancedAsyncClientOption;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.multipart.MultipartConfiguration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Inputs and published streams as objects in an S3-compatible bucket, through the AWS SDK's async client (its
 * multipart upload above {@code part-size}). Keys: {@code <prefix>inputs/<name>} and
 * {@code <prefix>packaged/<folder>/<path>}; a published folder's MPD is written after all its segments
 * (docs/storage.md). Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the aws.accessKeyId /
 * aws.secretAccessKey system properties) and appear in no object, log or message.
 */
public class S3ContentStore implements ContentStore, ObjectParts, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(S3ContentStore.class);
    private static final String SEGMENT_CACHE = "public, max-age=31536000, immutable";
    private static final String MANIFEST_CACHE = "public, max-age=10";
    /** How long {@link #client} waits for a byte: S3Proxy stays silent while it assembles a multipart upload's parts. */
    private static final Duration ASSEMBLY_SILENCE = Duration.ofSeconds(60);
    /** Keys in one DeleteObjects request (S3's limit). */
    private static final int DELETE_BATCH = 1000;
    /** Objects written at once by one publish. */
    private static final int PARALLEL = 8;

    /**
     * Transfers of whole files (multipart above {@code part-size}) and the assembly of multipart uploads: an S3 server
     * can stay silent a while as it assembles a large object from its parts, so this client waits for
     * {@link #ASSEMBLY_SILENCE}. Nothing a client request waits on goes through it but the last step of a multipart
     * upload.
     */
    private final S3AsyncClient client;
    /** The requests an upload or a sweep waits on (parts, small objects, ranged reads, lists, deletes): {@code timeout}. */
    private final S3AsyncClient quick;
    /** Delivery's reads: no multipart layer, a segment is one GET whose bytes are passed on as they arrive. */
    private final S3AsyncClient reads;
    private final S3Presigner presigner;
    /** Streamed PUTs ({@link #stream}) to presigned URLs: the bytes go from the upload's buffers to the socket. */
    private final HttpClient puts;
    private final String bucket;
    private final Duration presignTtl;
    private final String prefix;
    private final boolean createBucket;
    private final int partSize;
    /** This process's readiness object: replicas do not share one, a restarted process writes a new one. */
    private final String probeName = UUID.randomUUID().toString();
    /** Whether deletes go out as DeleteObjects; false once the server refused it. */
    private volatile boolean batchDeletes = true;
    private final Duration timeout;
    /** Delivery's GET and HEAD: their answer (the headers) within the timeout, retries included. */
    private final AwsRequestOverrideConfiguration answered;

    public S3ContentStore(VodpackConfig config, Vertx vertx) {
        VodpackConfig.Storage.S3 s3 = config.storage().s3();
        this.bucket = s3.bucket().orElseThrow(() -> new IllegalStateException(
                "vodpack.storage.kind=s3 needs vodpack.storage.s3.bucket (VODPACK_STORAGE_S3_BUCKET)"));
        String p = s3.prefix().orElse("");
        this.prefix = p.isEmpty() || p.endsWith("/") ? p : p + "/";
        this.createBucket = s3.createBucket();
        this.presignTtl = config.delivery().redirectTtl();
        this.partSize = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(5L << 20, s3.partSize()));
        this.timeout = s3.timeout();
        this.answered = AwsRequestOverrideConfiguration.builder().apiCallTimeout(timeout).build();
        AwsCredentialsProvider credentials = AwsCredentialsProviderChain.of(SystemPropertyCredentialsProvider.create(),
                EnvironmentVariableCredentialsProvider.create());
        S3AsyncClientBuilder builder = S3AsyncClient.builder()
                .region(Region.of(s3.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(s3.pathStyle())
                // Checksums only where the S3 API requires them: S3-compatible servers differ in the newer ones.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .multipartEnabled(true)
                .multipartConfiguration(MultipartConfiguration.builder().thresholdInBytes(s3.partSize())
                        .minimumPartSizeInBytes(s3.partSize()).build())
                .overrideConfiguration(o -> o.addExecutionInterceptor(new DropObjectSizeHeader()))
                .httpClientBuilder(netty(ASSEMBLY_SILENCE));
        S3Presigner.Builder presign = S3Presigner.builder().region(Region.of(s3.region())).credentialsProvider(credentials)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(s3.pathStyle()).build());
        s3.endpoint().ifPresent(endpoint -> {
            builder.endpointOverride(endpoint);
            presign.endpointOverride(endpoint);
        });
        this.client = builder.build();
        // A server that stays silent for the timeout fails the attempt, and one more attempt is all it gets: a request
        // fails within twice the timeout when the server accepts connections but never answers.
        builder.multipartEnabled(false).httpClientBuilder(netty(timeout)).overrideConfiguration(o -> o
                .addExecutionInterceptor(new DropObjectSizeHeader()).retryStrategy(r -> r.maxAttempts(2)));
        this.quick = builder.build();
        // Reads complete on the SDK's network thread: what follows only hands the answer to the request's event loop,
        // so the hop to the SDK's completion pool would be one more thread switch per request.
        this.reads = builder
                .asyncConfiguration(a -> a.advancedOption(SdkAdvancedAsyncClientOption.FUTURE_COMPLETION_EXECUTOR, Runnable::run))
                .build();
        this.presigner = presign.build();
        // a short keep-alive: a connection the S3 server has closed meanwhile would fail a body that cannot be sent again
        this.puts = vertx.createHttpClient(new HttpClientOptions().setMaxPoolSize(64).setKeepAlive(true)
                .setKeepAliveTimeout(4).setConnectTimeout(5_000));
    }

    private static NettyNioAsyncHttpClient.Builder netty(Duration silence) {
        return NettyNioAsyncHttpClient.builder().maxConcurrency(128).connectionAcquisitionTimeout(Duration.ofSeconds(30))
                .readTimeout(silence).writeTimeout(silence);
    }

    /** Creates the bucket when it is missing (and allowed to); a server that cannot be reached is logged. */
    @Override
    public void start() {
        try {
            ensureBucket().get(15, TimeUnit.SECONDS);
            LOG.infof("Storage: bucket %s%s", bucket, prefix.isEmpty() ? "" : " under " + prefix);
        } catch (Exception e) {
            LOG.errorf("Storage: bucket %s cannot be used yet (%s); readiness stays down until it can", bucket,
                    describe(e));
        }
    }

    private CompletableFuture<Void> ensureBucket() {
        return quick.headBucket(b -> b.bucket(bucket)).thenApply(r -> (Void) null).exceptionallyCompose(failure -> {
            if (createBucket && status(failure) == 404) {
                return quick.createBucket(b -> b.bucket(bucket)).thenApply(r -> {
                    LOG.infof("Storage: created bucket %s", bucket);
                    return (Void) null;
                });
            }
            return CompletableFuture.failedFuture(failure);
        });
    }

    @Override
    public boolean inputsAreLocal() {
        return false;
    }

    @Override
    public Optional<Path> publishedRoot() {
        return Optional.empty();
    }

    @Override
    public void keepInput(Path file, String name) throws IOException {
        await(client.putObject(b -> b.bucket(bucket).key(inputKey(name)).contentType("video/mp4"),
                AsyncRequestBody.fromFile(file)));
    }

    @Override
    public void inputRecorded(Path file, String name) throws IOException {
        Files.deleteIfExists(file);
    }

    @Override
    public void inputNotRecorded(Path file, String name) throws IOException {
        deleteInput(name);
    }

    @Override
    public Optional<Long> inputSize(String name) throws IOException {
        return await(head(inputKey(name))).map(StoredObject::size);
    }

    @Override
    public Path localInput(String name, Path scratch) throws IOException {
        Files.createDirectories(scratch);
        Path local = scratch.resolve("input.mp4");
        Files.deleteIfExists(local);
        await(client.getObject(b -> b.bucket(bucket).key(inputKey(name)), AsyncResponseTransformer.toFile(local)));
        return local;
    }

    @Override
    public void deleteInput(String name) throws IOException {
        await(quick.deleteObject(b -> b.bucket(bucket).key(inputKey(name))));
    }

    @Override
    public List<String> inputsOlderThan(Instant cutoff) throws IOException {
        String under = prefix + "inputs/";
        return list(under).stream().filter(o -> o.lastModified().isBefore(cutoff))
                .map(o -> o.key().substring(under.length())).filter(n -> !n.contains("/")).toList();
    }

    @Override
    public void publish(Path out, String folder) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(out)) {
            files = walk.filter(Files::isRegularFile).sorted(Comparator.comparing(Path::toString)).toList();
        }
        // Segments and init segments first, the MPD and HLS playlists last: a listing that shows them shows a
        // complete stream.
        List<Path> media = files.stream().filter(f -> !manifest(f)).toList();
        List<Path> manifests = files.stream().filter(S3ContentStore::manifest).toList();
        upload(out, folder, media);
        upload(out, folder, manifests);
    }

    private static boolean manifest(Path file) {
        return file.toString().endsWith(".mpd") || file.toString().endsWith(".m3u8");
    }

    private void upload(Path out, String folder, List<Path> files) throws IOException {
        for (int from = 0; from < files.size(); from += PARALLEL) {
            List<CompletableFuture<?>> batch = new ArrayList<>();
            for (Path file : files.subList(from, Math.min(files.size(), from + PARALLEL))) {
                String relative = out.relativize(file).toString().replace('\\', '/');
                batch.add(client.putObject(b -> b.bucket(bucket).key(publishedKey(folder, relative))
                        .contentType(contentType(relative)).cacheControl(cacheControl(relative)),
                        AsyncRequestBody.fromFile(file)));
            }
            await(CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)));
        }
    }

    @Override
    public void deletePublished(String folder) throws IOException {
        deleteKeys(list(publishedKey(folder, "")).stream().map(Listed::key).toList());
    }

    /**
     * Deletes the objects with one DeleteObjects request per {@link #DELETE_BATCH} keys: one request for a stream's
     * folder where single DELETEs would cost one each. A server that does not take DeleteObjects as the SDK sends it
     * (S3Proxy refuses its CRC32 checksum header unless told to ignore unknown headers) gets single DELETEs, one after
     * the other.
     */
    private void deleteKeys(List<String> listed) throws IOException {
        // Last key first: a server that keeps objects as files lists a folder as an object of its own ("video/"), which
        // it can delete only once the objects in it are gone (S3Proxy retries for 10 s before it answers otherwise).
        List<String> keys = listed.stream().sorted(Comparator.reverseOrder()).toList();
        if (batchDeletes) {
            try {
                deleteInBatches(keys);
                return;
            } catch (IOException e) {
                if (!refusesBatchDeletes(e.getCause())) {
                    throw e;
                }
                batchDeletes = false;
                LOG.infof("Storage: the S3 server refuses DeleteObjects (%s); objects are deleted one at a time",
                        describe(e.getCause()));
            }
        }
        for (String key : keys) {
            await(quick.deleteObject(b -> b.bucket(bucket).key(key)));
        }
    }

    private void deleteInBatches(List<String> keys) throws IOException {
        for (int from = 0; from < keys.size(); from += DELETE_BATCH) {
            List<ObjectIdentifier> batch = keys.subList(from, Math.min(keys.size(), from + DELETE_BATCH)).stream()
                    .map(key -> ObjectIdentifier.builder().key(key).build()).toList();
            DeleteObjectsResponse answer = await(quick.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(batch).quiet(true))));
            if (answer.hasErrors() && !answer.errors().isEmpty()) {
                S3Error first = answer.errors().get(0);
                throw new IOException(answer.errors().size() + " of " + batch.size() + " objects not deleted, first "
                        + first.key() + ": " + first.code());
            }
        }
    }

    /** Whether the server refused DeleteObjects itself (not implemented, or not with these headers). */
    private static boolean refusesBatchDeletes(Throwable failure) {
        int status = status(failure);
        String code = unwrap(failure) instanceof S3Exception s3 && s3.awsErrorDetails() != null
                ? s3.awsErrorDetails().errorCode() : "";
        return status == 501 || status == 400 && List.of("NotImplemented", "InvalidRequest", "MissingContentMD5").contains(code);
    }

    @Override
    public List<String> publishedOlderThan(Instant cutoff) throws IOException {
        String under = prefix + "packaged/";
        Map<String, Instant> newest = new HashMap<>();
        for (Listed object : list(under)) {
            String rest = object.key().substring(under.length());
            int slash = rest.indexOf('/');
            if (slash > 0) {
                newest.merge(rest.substring(0, slash), object.lastModified(), (a, b) -> a.isAfter(b) ? a : b);
            }
        }
        return newest.entrySet().stream().filter(e -> e.getValue().isBefore(cutoff)).map(Map.Entry::getKey).sorted().toList();
    }

    @Override
    public void keepRendition(long ladderId, String name, Path file) throws IOException {
        await(client.putObject(b -> b.bucket(bucket).key(renditionKey(ladderId, name)).contentType("video/mp4"),
                AsyncRequestBody.fromFile(file)));
        Files.deleteIfExists(file);
    }

    @Override
    public Optional<Path> localRendition(long ladderId, String name, Path scratch) throws IOException {
        Files.createDirectories(scratch);
        Path local = scratch.resolve(name + ".mp4");
        Files.deleteIfExists(local);
        try {
            await(client.getObject(b -> b.bucket(bucket).key(renditionKey(ladderId, name)), AsyncResponseTransformer.toFile(local)));
        } catch (IOException e) {
            if (notFound(e.getCause())) {
                Files.deleteIfExists(local);
                return Optional.empty();
            }
            throw e;
        }
        return Optional.of(local);
    }

    @Override
    public void deleteRenditions(long ladderId) throws IOException {
        deleteKeys(list(prefix + "renditions/" + ladderId + "/").stream().map(Listed::key).toList());
    }

    @Override
    public List<Long> renditionLaddersOlderThan(Instant cutoff) throws IOException {
        String under = prefix + "renditions/";
        Map<String, Instant> newest = new HashMap<>();
        for (Listed object : list(under)) {
            String rest = object.key().substring(under.length());
            int slash = rest.indexOf('/');
            if (slash > 0) {
                newest.merge(rest.substring(0, slash), object.lastModified(), (a, b) -> a.isAfter(b) ? a : b);
            }
        }
        return newest.entrySet().stream().filter(e -> e.getValue().isBefore(cutoff) && e.getKey().matches("[0-9]{1,18}"))
                .map(e -> Long.valueOf(e.getKey())).sorted().toList();
    }

    private String renditionKey(long ladderId, String name) {
        return prefix + "renditions/" + ladderId + "/" + name + ".mp4";
    }

    @Override
    public Uni<Optional<StoredObject>> stat(String folder, String relative) {
        return Uni.createFrom().completionStage(() -> head(publishedKey(folder, relative)));
    }

    /**
     * One GET (or HEAD) with the request's Range and If-None-Match: the S3 server answers 304 and 416 itself, without a
     * body. Only a 416 costs a HEAD more, for the object's size the answer names.
     */
    @Override
    public Uni<ObjectRead> read(String folder, String relative, ObjectRequest request) {
        String key = publishedKey(folder, relative);
        return Uni.createFrom().completionStage(() -> (request.withBody()
                ? reads.getObject(b -> b.bucket(bucket).key(key).range(request.range()).ifNoneMatch(request.ifNoneMatch())
                        .overrideConfiguration(answered),
                        AsyncResponseTransformer.toPublisher())
                        .thenApply(answer -> {
                            GetObjectResponse r = answer.response();
                            return new ObjectRead(r.contentRange() == null ? 200 : 206, r.eTag(), r.lastModified(),
                                    r.contentLength(), r.contentRange(), answer);
                        })
                : reads.headObject(b -> b.bucket(bucket).key(key).ifNoneMatch(request.ifNoneMatch()).overrideConfiguration(answered))
                        .thenApply(r -> new ObjectRead(200, r.eTag(), r.lastModified(), r.contentLength(), null, null)))
                .exceptionallyCompose(failure -> refused(failure, key, request)));
    }

    /** The answers S3 gives as errors that are answers to the client: 304, 404, 416. */
    private CompletableFuture<ObjectRead> refused(Throwable failure, String key, ObjectRequest request) {
        int status = status(failure);
        if (status == 404) {
            return CompletableFuture.completedFuture(ObjectRead.missing());
        }
        if (status == 304) {
            SdkHttpResponse answer = errorResponse(failure);
            String etag = answer == null ? null : answer.firstMatchingHeader("ETag").orElse(null);
            Instant lastModified = answer == null ? null : answer.firstMatchingHeader("Last-Modified")
                    .map(S3ContentStore::httpDate).orElse(null);
            return CompletableFuture.completedFuture(new ObjectRead(304, etag == null ? request.ifNoneMatch() : etag,
                    lastModified, 0, null, null));
        }
        if (status == 416) {
            return head(key).thenApply(object -> object.map(o -> new ObjectRead(416, o.etag(), o.lastModified(), 0,
                    "bytes */" + o.size(), null)).orElseGet(ObjectRead::missing));
        }
        return CompletableFuture.failedFuture(failure);
    }

    private static SdkHttpResponse errorResponse(Throwable failure) {
        Throwable t = failure;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof S3Exception s3 && s3.awsErrorDetails() != null ? s3.awsErrorDetails().sdkHttpResponse() : null;
    }

    private static Instant httpDate(String value) {
        try {
            return ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    @Override
    public String presign(String folder, String relative) {
        return presigner.presignGetObject(p -> p.signatureDuration(presignTtl)
                .getObjectRequest(b -> b.bucket(bucket).key(publishedKey(folder, relative)))).url().toString();
    }

    @Override
    public Optional<ObjectParts> objectParts() {
        return Optional.of(this);
    }

    @Override
    public int partSize() {
        return partSize;
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public CompletableFuture<String> begin(String key) {
        return unavailable(quick.createMultipartUpload(b -> b.bucket(bucket).key(prefix + key).contentType("video/mp4"))
                .thenApply(r -> r.uploadId()));
    }

    @Override
    public CompletableFuture<String> putPart(String key, String uploadId, int number, ByteBuffer bytes) {
        long length = bytes.remaining();
        return unavailable(quick.uploadPart(b -> b.bucket(bucket).key(prefix + key).uploadId(uploadId).partNumber(number)
                .contentLength(length), AsyncRequestBody.fromByteBufferUnsafe(bytes)).thenApply(r -> r.eTag()));
    }

    @Override
    public CompletableFuture<Void> complete(String key, String uploadId, List<String> etags) {
        List<CompletedPart> parts = new ArrayList<>(etags.size());
        for (int i = 0; i < etags.size(); i++) {
            parts.add(CompletedPart.builder().partNumber(i + 1).eTag(etags.get(i)).build());
        }
        return unavailable(client.completeMultipartUpload(b -> b.bucket(bucket).key(prefix + key).uploadId(uploadId)
                .multipartUpload(m -> m.parts(parts))).thenApply(r -> (Void) null));
    }

    @Override
    public CompletableFuture<Void> abort(String key, String uploadId) {
        return unavailable(quick.abortMultipartUpload(b -> b.bucket(bucket).key(prefix + key).uploadId(uploadId))
                .thenApply(r -> (Void) null)
                .exceptionallyCompose(failure -> notFound(failure) ? CompletableFuture.completedFuture(null)
                        : CompletableFuture.failedFuture(failure)));
    }

    /**
     * The PUT goes to a presigned URL (signed by the SDK; the body is sent as {@code UNSIGNED-PAYLOAD}, so it is not
     * hashed once more for the signature) with the service's own HTTP client. No idle timeout on the request: the
     * caller bounds each write and the wait for the answer ({@link ObjectStream}).
     */
    @Override
    public CompletableFuture<ObjectStream> stream(String key, long length) {
        String url;
        try {
            url = presigner.presignPutObject(p -> p.signatureDuration(STREAM_TTL)
                    .putObjectRequest(b -> b.bucket(bucket).key(prefix + key).contentType("video/mp4"))).url().toString();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new StorageUnavailableException("the storage failed: " + describe(e), e));
        }
        RequestOptions put = new RequestOptions().setMethod(HttpMethod.PUT).setAbsoluteURI(url)
                .putHeader(HttpHeaders.CONTENT_TYPE, "video/mp4").putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(length));
        return unavailable(stage(puts.request(put))).thenApply(StreamedPut::new);
    }

    /** How long the URL of a streamed PUT stays valid: the request starts at once (S3 checks it when it begins). */
    private static final Duration STREAM_TTL = Duration.ofMinutes(5);

    private static <T> CompletableFuture<T> stage(Future<T> future) {
        return future.toCompletionStage().toCompletableFuture();
    }

    /**
     * One PUT whose body is written as the upload arrives. An answer that comes before the body has ended (the S3 server
     * refused the request, or gave up on it) resets the PUT at once, so that no write waits for a server that stopped
     * reading.
     */
    private static final class StreamedPut implements ObjectStream {

        private final HttpClientRequest request;
        private volatile boolean ended;
        private volatile int earlyAnswer;

        StreamedPut(HttpClientRequest request) {
            this.request = request;
            request.response().onSuccess(answer -> {
                if (!ended) {
                    earlyAnswer = answer.statusCode();
                    request.reset();
                }
            });
        }

        @Override
        public CompletableFuture<Void> write(ByteBuffer bytes) {
            if (earlyAnswer != 0) {
                return CompletableFuture.failedFuture(refusedEarly());
            }
            return unavailable(stage(request.write(Buffer.buffer(Unpooled.wrappedBuffer(bytes))))
                    .exceptionallyCompose(failure -> CompletableFuture.failedFuture(earlyAnswer != 0 ? refusedEarly() : failure)));
        }

        private StorageUnavailableException refusedEarly() {
            return new StorageUnavailableException("the storage answered HTTP " + earlyAnswer + " before the body ended", null);
        }

        @Override
        public CompletableFuture<Void> end(ByteBuffer last) {
            ended = true;
            if (earlyAnswer != 0) {
                return CompletableFuture.failedFuture(refusedEarly());
            }
            return unavailable(stage(request.end(Buffer.buffer(Unpooled.wrappedBuffer(last))).compose(v -> request.response()).compose(answer -> answer.body()
                    .compose(body -> answer.statusCode() == 200 ? Future.<Void>succeededFuture()
                            : Future.failedFuture(new StorageUnavailableException("the storage refused the upload: HTTP "
                                    + answer.statusCode() + " " + errorCode(body.toString()), null))))));
        }

        @Override
        public void reset() {
            ended = true;
            request.reset();
        }

        /** The {@code <Code>} of an S3 error body, or nothing. */
        private static String errorCode(String body) {
            int start = body.indexOf("<Code>");
            int end = body.indexOf("</Code>");
            return start >= 0 && end > start ? body.substring(start + 6, end) : "";
        }
    }

    @Override
    public CompletableFuture<Void> put(String key, ByteBuffer bytes) {
        return unavailable(quick.putObject(b -> b.bucket(bucket).key(prefix + key).contentType("video/mp4"),
                AsyncRequestBody.fromByteBufferUnsafe(bytes)).thenApply(r -> (Void) null));
    }

    @Override
    public CompletableFuture<ByteBuffer> read(String key, long position, int length) {
        if (length <= 0) {
            return CompletableFuture.completedFuture(ByteBuffer.allocate(0));
        }
        return unavailable(quick.getObject(b -> b.bucket(bucket).key(prefix + key)
                .range("bytes=" + position + "-" + (position + length - 1)), AsyncResponseTransformer.toBytes())
                .thenApply(r -> r.asByteBuffer()));
    }

    @Override
    public CompletableFuture<ByteBuffer> readAll(String key) {
        return unavailable(quick.getObject(b -> b.bucket(bucket).key(prefix + key), AsyncResponseTransformer.toBytes())
                .thenApply(r -> r.asByteBuffer()));
    }

    @Override
    public CompletableFuture<Optional<Long>> size(String key) {
        return unavailable(head(prefix + key).thenApply(o -> o.map(StoredObject::size)));
    }

    @Override
    public CompletableFuture<Void> delete(String key) {
        return unavailable(quick.deleteObject(b -> b.bucket(bucket).key(prefix + key)).thenApply(r -> (Void) null));
    }

    @Override
    public CompletableFuture<Void> deleteUnder(String keyPrefix) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                deleteKeys(list(prefix + keyPrefix).stream().map(Listed::key).toList());
                return (Void) null;
            } catch (IOException e) {
                throw new StorageUnavailableException(e.getMessage(), e);
            }
        });
    }

    @Override
    public CompletableFuture<List<String>> keysOlderThan(String keyPrefix, Instant cutoff) {
        List<String> found = new ArrayList<>();
        return unavailable(quick.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix + keyPrefix)).contents()
                .subscribe((S3Object o) -> {
                    if (o.lastModified().isBefore(cutoff)) {
                        found.add(o.key().substring(prefix.length()));
                    }
                }).thenApply(v -> found));
    }

    @Override
    public CompletableFuture<List<OpenUpload>> openUploads() {
        List<OpenUpload> found = new ArrayList<>();
        return unavailable(quick.listMultipartUploadsPaginator(b -> b.bucket(bucket).prefix(prefix)).uploads()
                .subscribe(upload -> found.add(new OpenUpload(upload.key().substring(prefix.length()), upload.uploadId(),
                        upload.initiated() == null ? Instant.now() : upload.initiated())))
                .thenApply(v -> found));
    }

    @Override
    public CompletableFuture<Instant> lastWritten(OpenUpload upload) {
        return unavailable(quick.listParts(b -> b.bucket(bucket).key(prefix + upload.key()).uploadId(upload.uploadId()))
                .thenApply(parts -> parts.parts().stream().map(p -> p.lastModified()).filter(t -> t != null)
                        .max(Instant::compareTo).orElse(upload.initiated())));
    }

    /** Any failure of the bucket as a {@link StorageUnavailableException} naming it in a few words. */
    private static <T> CompletableFuture<T> unavailable(CompletableFuture<T> future) {
        return future.exceptionallyCompose(failure -> CompletableFuture.failedFuture(
                unwrap(failure) instanceof StorageUnavailableException s ? s
                        : new StorageUnavailableException("the storage failed: " + describe(failure), unwrap(failure))));
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    @Override
    public Uni<Void> probe() {
        // one key per process, written and deleted by each probe: a probe whose delete fails leaves one small object
        String key = prefix + "readiness/" + probeName;
        return Uni.createFrom().completionStage(() -> ensureBucket()
                .thenCompose(v -> quick.putObject(b -> b.bucket(bucket).key(key), AsyncRequestBody.fromString("ok")))
                .thenCompose(v -> quick.deleteObject(b -> b.bucket(bucket).key(key))))
                .replaceWithVoid()
                .onFailure().transform(failure -> new IOException("bucket " + bucket + ": " + describe(failure), failure));
    }

    @Override
    public void close() {
        puts.close();
        presigner.close();
        reads.close();
        quick.close();
        client.close();
    }

    /** Whether a failure is the S3 server's "no such object or bucket". */
    public static boolean notFound(Throwable failure) {
        return status(failure) == 404;
    }

    /** The HTTP status of an S3 failure, 0 when it is not one (the server could not be reached). */
    public static int status(Throwable failure) {
        Throwable t = failure;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof NoSuchKeyException || t instanceof NoSuchBucketException) {
            return 404;
        }
        return t instanceof S3Exception s3 ? s3.statusCode() : 0;
    }

    @Override
    public Uni<Optional<StoredObject>> copyPublished(String folder, String relative, Path target) {
        String key = publishedKey(folder, relative);
        return Uni.createFrom().completionStage(() -> reads.getObject(b -> b.bucket(bucket).key(key),
                AsyncResponseTransformer.toFile(target))
                .thenApply(r -> Optional.of(new StoredObject(r.contentLength(), r.eTag(), r.lastModified())))
                .exceptionallyCompose(failure -> {
                    try {
                        Files.deleteIfExists(target);
                    } catch (IOException e) {
                        failure.addSuppressed(e);
                    }
                    return notFound(failure) ? CompletableFuture.completedFuture(Optional.empty())
                            : CompletableFuture.failedFuture(failure);
                }));
    }

    private CompletableFuture<Optional<StoredObject>> head(String key) {
        return reads.headObject(b -> b.bucket(bucket).key(key).overrideConfiguration(answered))
                .thenApply(r -> Optional.of(new StoredObject(r.contentLength(), r.eTag(), r.lastModified())))
                .exceptionallyCompose(failure -> notFound(failure) ? CompletableFuture.completedFuture(Optional.empty())
                        : CompletableFuture.failedFuture(failure));
    }

    private record Listed(String key, Instant lastModified) {
    }

    private List<Listed> list(String under) throws IOException {
        List<Listed> found = new ArrayList<>();
        await(quick.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(under)).contents()
                .subscribe((S3Object o) -> found.add(new Listed(o.key(), o.lastModified()))));
        return found;
    }

    private String inputKey(String name) {
        return prefix + "inputs/" + name;
    }

    private String publishedKey(String folder, String relative) {
        return prefix + "packaged/" + folder + "/" + relative;
    }

    static String contentType(String relative) {
        if (relative.endsWith(".mpd")) {
            return "application/dash+xml";
        }
        if (relative.endsWith(".m3u8")) {
            return "application/vnd.apple.mpegurl";
        }
        return "video/mp4";
    }

    static String cacheControl(String relative) {
        return relative.endsWith(".mpd") || relative.endsWith(".m3u8") ? MANIFEST_CACHE : SEGMENT_CACHE;
    }

    /** The result; a failure as an IOException, whose cause is a {@link StorageUnavailableException} when the server could not be reached. */
    private static <T> T await(CompletableFuture<T> future) throws IOException {
        try {
            return future.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            throw new IOException(describe(cause), status(cause) == 0 && !(cause instanceof IOException)
                    ? new StorageUnavailableException("the storage cannot be reached: " + describe(cause), cause) : cause);
        }
    }

    /** A failure in a few words: the S3 error code and status, or the connection problem. */
    static String describe(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof S3Exception s3 && s3.awsErrorDetails() != null) {
            return s3.awsErrorDetails().errorCode() + " (HTTP " + s3.statusCode() + ")";
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    /**
     * The SDK's multipart upload announces the object's size on completion ({@code x-amz-mp-object-size}), an AWS
     * extension that S3-compatible servers such as S3Proxy refuse as an unknown header. AWS does not need it, so it
     * is left out before the request is signed.
     */
    static final class DropObjectSizeHeader implements software.amazon.awssdk.core.interceptor.ExecutionInterceptor {
        static final String HEADER = "x-amz-mp-object-size";

        @Override
        public software.amazon.awssdk.http.SdkHttpRequest modifyHttpRequest(
                software.amazon.awssdk.core.interceptor.Context.ModifyHttpRequest context,
                software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
            software.amazon.awssdk.http.SdkHttpRequest request = context.httpRequest();
            return request.firstMatchingHeader(HEADER).isPresent() ? request.toBuilder().removeHeader(HEADER).build() : request;
        }
    }
}
