package io.vodpack.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.vodpack.support.StreamCheck;

/**
 * After {@code ./mvnw package}: the Kubernetes manifests quarkus-kubernetes generated, and the Docker images'
 * inputs. No Docker engine or cluster is needed: what the images copy must exist, and the engine paths and
 * versions in the images must be the ones the application and the manifests are configured with.
 */
class DeploymentArtifactsIT {

    static final List<JsonNode> MANIFESTS = new ArrayList<>();

    /** quarkus.management.port's default: health, metrics and OpenAPI live there, not on the public port. */
    static final int MANAGEMENT_PORT = 9000;

    @BeforeAll
    static void readManifests() throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        try (MappingIterator<JsonNode> docs = yaml.readerFor(JsonNode.class)
                .readValues(Path.of("target/kubernetes/kubernetes.yml").toFile())) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (doc != null && doc.has("kind")) {
                    MANIFESTS.add(doc);
                }
            }
        }
    }

    static JsonNode kind(String kind) {
        return MANIFESTS.stream().filter(m -> m.get("kind").asText().equals(kind)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " in kubernetes.yml"));
    }

    static JsonNode container() {
        return kind("Deployment").at("/spec/template/spec/containers/0");
    }

    static Map<String, JsonNode> env(JsonNode container) {
        Map<String, JsonNode> env = new HashMap<>();
        container.get("env").forEach(e -> env.put(e.get("name").asText(), e));
        return env;
    }

    @Test
    void probesAskSmallRyeHealthOnTheManagementPort() {
        JsonNode c = container();
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            assertThat(c.at("/" + probe + "/httpGet/port").asInt()).as(probe).isEqualTo(MANAGEMENT_PORT);
        }
        assertThat(c.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/q/health/live");
        assertThat(c.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/q/health/ready");
        assertThat(c.at("/startupProbe/httpGet/path").asText()).isEqualTo("/q/health/started");
        assertThat(c.at("/resources/requests/memory").asText()).isEqualTo("512Mi");
        assertThat(c.at("/resources/limits/memory").asText()).isEqualTo("1536Mi");
        assertThat(kind("Deployment").at("/spec/replicas").asInt()).isEqualTo(2);
    }

    @Test
    void theServiceExposesTheApplicationOnlyAndMetricsAreScrapedFromTheManagementPort() {
        JsonNode ports = kind("Service").at("/spec/ports");
        assertThat(ports.size()).isEqualTo(1);
        assertThat(ports.get(0).get("targetPort").asInt()).isEqualTo(8080);
        JsonNode endpoint = kind("ServiceMonitor").at("/spec/endpoints/0");
        assertThat(endpoint.get("targetPort").asInt()).isEqualTo(MANAGEMENT_PORT);
        assertThat(endpoint.get("path").asText()).isEqualTo("/q/metrics");
    }

    @Test
    void configComesFromAConfigMapAndThePasswordFromASecretTheOperatorCreates() throws IOException {
        JsonNode c = container();
        assertThat(c.at("/envFrom/0/configMapRef/name").asText()).isEqualTo("vodpack-config");
        JsonNode password = env(c).get("DB_PASSWORD");
        assertThat(password.at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("vodpack-db");
        assertThat(password.at("/valueFrom/secretKeyRef/key").asText()).isEqualTo("password");
        assertThat(kind("ConfigMap").at("/data/DB_HOST").asText()).isNotEmpty();
        assertThat(MANIFESTS).as("no Secret with a default password is generated")
                .noneMatch(m -> m.get("kind").asText().equals("Secret"));
        for (JsonNode m : MANIFESTS) {
            for (JsonNode env : m.findValues("env")) {
                for (JsonNode e : env) {
                    if (e.get("name").asText().matches("(?i).*(PASSWORD|SECRET|CREDENTIAL).*")) {
                        assertThat(e.has("value")).as(m.get("kind").asText() + " " + e.get("name").asText()
                                + " comes from a Secret, not a literal").isFalse();
                    }
                }
            }
            assertThat(m.findValues("data")).as(m.get("kind").asText() + " data holds no password")
                    .allSatisfy(d -> assertThat(d.toString()).doesNotContainIgnoringCase("password"));
        }
        assertThat(Files.readString(Path.of("target/kubernetes/kubernetes.yml"))).doesNotContain("change-me")
                .doesNotContainIgnoringCase("stringData");
    }

    @Test
    void storageIsASharedVolumeMountedWhereTheImageKeepsIt() throws IOException {
        JsonNode c = container();
        assertThat(c.at("/volumeMounts/0/mountPath").asText()).isEqualTo("/deployments/storage");
        String volume = c.at("/volumeMounts/0/name").asText();
        JsonNode volumes = kind("Deployment").at("/spec/template/spec/volumes");
        JsonNode claim = null;
        for (JsonNode v : volumes) {
            if (v.get("name").asText().equals(volume)) {
                claim = v.at("/persistentVolumeClaim/claimName");
            }
        }
        assertThat(claim).isNotNull();
        assertThat(claim.asText()).isEqualTo("vodpack-storage");
        JsonNode pvc = kind("PersistentVolumeClaim");
        assertThat(pvc.at("/metadata/name").asText()).isEqualTo("vodpack-storage");
        assertThat(pvc.at("/spec/accessModes/0").asText()).isEqualTo("ReadWriteMany");
        assertThat(env(c).get("STORAGE_ROOT").get("value").asText()).isEqualTo(dockerEnv("Dockerfile.jvm").get("STORAGE_ROOT"));
    }

    /**
     * The S3 variant ({@code kubectl apply -k target/kubernetes/s3}), rendered by kubectl's own kustomize: no volume
     * claim anywhere, local scratch in an emptyDir, the bucket settings in the ConfigMap, the credentials only as a
     * reference to the vodpack-s3 Secret, for the service and for the migration job.
     */
    @Test
    void theS3VariantHasNoVolumeClaimAScratchFolderAndCredentialsFromASecret() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.vodpack.support.TestMedia.onPath("kubectl"),
                "kubectl is not installed: the S3 variant is not rendered");
        Process render = new ProcessBuilder("kubectl", "kustomize", "target/kubernetes/s3").redirectErrorStream(false).start();
        String rendered = new String(render.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        String errors = new String(render.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(render.waitFor()).as("kubectl kustomize: " + errors).isZero();
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = new ObjectMapper(new YAMLFactory()).readerFor(JsonNode.class).readValues(rendered)) {
            while (it.hasNext()) {
                docs.add(it.next());
            }
        }
        assertThat(docs).extracting(d -> d.get("kind").asText()).contains("Deployment", "Service", "ConfigMap", "Job")
                .doesNotContain("PersistentVolumeClaim");
        assertThat(rendered).doesNotContain("persistentVolumeClaim").doesNotContain("AWS_SECRET_ACCESS_KEY:");
        JsonNode config = docs.stream().filter(d -> d.get("kind").asText().equals("ConfigMap")).findFirst().orElseThrow();
        assertThat(config.at("/data/VODPACK_STORAGE_KIND").asText()).isEqualTo("s3");
        assertThat(config.at("/data/VODPACK_STORAGE_S3_BUCKET").asText()).isNotBlank();
        assertThat(config.at("/data/VODPACK_STORAGE_S3_ENDPOINT").asText()).startsWith("http");
        for (String kind : List.of("Deployment", "Job")) {
            JsonNode pod = docs.stream().filter(d -> d.get("kind").asText().equals(kind)).findFirst().orElseThrow()
                    .at("/spec/template/spec");
            assertThat(pod.at("/volumes/0/name").asText()).as(kind).isEqualTo("storage");
            assertThat(pod.at("/volumes/0/emptyDir").isObject()).as(kind + " scratch volume").isTrue();
            assertThat(pod.at("/containers/0/volumeMounts/0/mountPath").asText()).as(kind).isEqualTo("/deployments/storage");
            List<String> from = new ArrayList<>();
            pod.at("/containers/0/envFrom").forEach(e -> from.add(e.has("secretRef") ? "secret:" + e.at("/secretRef/name").asText()
                    : "configmap:" + e.at("/configMapRef/name").asText()));
            assertThat(from).as(kind + " envFrom").containsExactlyInAnyOrder("configmap:vodpack-config", "secret:vodpack-s3");
        }
    }

    @Test
    void imagesExposeTheManagementPortAndTheirHealthCheckAsksIt() throws IOException {
        for (String dockerfile : List.of("Dockerfile.jvm", "Dockerfile.native", "Dockerfile.multistage")) {
            String text = Files.readString(Path.of("src/main/docker", dockerfile));
            assertThat(text).as(dockerfile).containsPattern("(?m)^EXPOSE 8080 " + MANAGEMENT_PORT + "$")
                    .contains("http://localhost:${MANAGEMENT_PORT:-" + MANAGEMENT_PORT + "}/q/health/ready");
        }
    }

    @Test
    void everyFileTheJvmImagesCopyExists() throws IOException {
        for (String dockerfile : List.of("Dockerfile.jvm")) {
            for (String source : copySources(dockerfile)) {
                assertThat(matches(source)).as(dockerfile + " copies " + source).isNotEmpty();
            }
        }
    }

    @Test
    void enginePathsAndVersionsMatchAcrossImagesManifestsAndTheBuild() throws Exception {
        Map<String, JsonNode> env = env(container());
        for (String dockerfile : List.of("Dockerfile.jvm", "Dockerfile.native", "Dockerfile.multistage")) {
            Map<String, String> imageEnv = dockerEnv(dockerfile);
            String text = Files.readString(Path.of("src/main/docker", dockerfile));
            for (String name : List.of("SHAKA_PACKAGER_PATH", "BENTO4_MP4FRAGMENT", "BENTO4_MP4DASH", "STORAGE_ROOT")) {
                assertThat(imageEnv.get(name)).as(dockerfile + " " + name).isEqualTo(env.get(name).get("value").asText());
            }
            assertThat(text).as(dockerfile + " installs the packager where it says")
                    .contains("/usr/local/bin/packager").contains("BENTO4_VERSION=1-6-0-641");
        }
        String pinned = new ObjectMapper().readTree(Path.of("src/main/npm/package.json").toFile())
                .at("/dependencies/shaka-packager").asText();
        assertThat(StreamCheck.run(List.of(StreamCheck.PACKAGER.toString(), "--version"))).contains("v" + pinned);
        assertThat(Files.readString(Path.of("src/main/docker/Dockerfile.jvm"))).contains("Shaka Packager " + pinned);
    }

    /** COPY sources of the final stage that come from the build context. */
    static List<String> copySources(String dockerfile) throws IOException {
        List<String> sources = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("src/main/docker", dockerfile))) {
            String l = line.strip();
            if (!l.startsWith("COPY ") || l.contains("--from=")) {
                continue;
            }
            String[] parts = l.replaceAll("--chmod=\\S+", "").replaceAll("--chown=\\S+", "").strip().split("\\s+");
            for (int i = 1; i < parts.length - 1; i++) {
                sources.add(parts[i]);
            }
        }
        assertThat(sources).as(dockerfile + " copies something").isNotEmpty();
        return sources;
    }

    static List<Path> matches(String source) throws IOException {
        Path path = Path.of(source);
        String name = path.getFileName().toString();
        if (!name.contains("*")) {
            return Files.exists(path) ? List.of(path) : List.of();
        }
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(path.getParent(), name)) {
            dir.forEach(found::add);
        }
        return found;
    }

    /** ENV values of the final stage (the last FROM) of a Dockerfile. */
    static Map<String, String> dockerEnv(String dockerfile) throws IOException {
        String text = Files.readString(Path.of("src/main/docker", dockerfile)).replace("\\\n", " ");
        String lastStage = text.substring(text.lastIndexOf("\nFROM "));
        Map<String, String> env = new HashMap<>();
        Matcher lines = Pattern.compile("(?m)^ENV\\s+(.*)$").matcher(lastStage);
        while (lines.find()) {
            Matcher pair = Pattern.compile("([A-Z0-9_]+)=(\"[^\"]*\"|\\S+)").matcher(lines.group(1));
            while (pair.find()) {
                env.put(pair.group(1), pair.group(2).replace("\"", ""));
            }
        }
        return env;
    }
}
