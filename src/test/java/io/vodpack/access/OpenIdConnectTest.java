package io.vodpack.access;

import static io.restassured.RestAssured.given;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.jwt.build.Jwt;
import io.vodpack.support.Api;

/**
 * OpenID Connect turned on by configuration alone: bearer JWTs of a team's identity provider (here verified with
 * its public key; a real provider is found through quarkus.oidc.auth-server-url) work beside API keys, their
 * "scope" claim giving vodpack's scopes and their principal the owner.
 */
@QuarkusTest
@TestProfile(OpenIdConnectTest.WithIdentityProvider.class)
class OpenIdConnectTest {

    /** The identity provider's public key; its private key (a test key, nothing else) is in src/test/resources/oidc. */
    public static class WithIdentityProvider implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.oidc.tenant-enabled", "true", "quarkus.oidc.public-key", "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAmpk4alcwGSewuP+JDI4GIdIYo1Z2AC9b6owmIjVMSIjtmyzPtcJd/Gf2aJiZr+RCnQobAv0rdWER/E4/4a/v3AWjUyVA/SPlgtJycghV0nou6JSzPak+bFuyds3TIbxZjgnGSo2PAI8sMTOpF/Wu2R3CdS8L4HQiTBBeJbxaBPUuL0QEduUXnjiCRlGFKjZ+8tYDXKQYzP+3PRzs+PCdfsEo5jxdxddTppH0+lywquHN+zuAzGx74S/KKMDUHMEg/DiFwzMxnI0ZcRlvr032rIz5Ynl/jA44j4G/q4mCLm+zgR9IdzheZff1ovOvYk05WkQhVzEnkqkFDSG8Fqi4JwIDAQAB",
                    "quarkus.oidc.token.principal-claim", "azp");
        }
    }

    private static String token(String scope, long lifetimeSeconds) throws Exception {
        String pem = new String(OpenIdConnectTest.class.getResourceAsStream("/oidc/test-idp-private.pem").readAllBytes(),
                StandardCharsets.US_ASCII).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        return Jwt.issuer("https://idp.example.com").subject("robot-1").claim("azp", "media-team").claim("scope", scope)
                .expiresAt(Instant.now().getEpochSecond() + lifetimeSeconds).sign(key);
    }

    @Test
    void aTokenOfTheIdentityProviderWorksWithItsScopes() throws Exception {
        given().header("Authorization", "Bearer " + token("read upload", 300)).get("/input_content").then().statusCode(200);
        given().header("Authorization", "Bearer " + token("upload", 300)).get("/input_content").then().statusCode(403)
                .contentType("application/problem+json");
    }

    @Test
    void anExpiredOrForeignTokenIs401AndApiKeysStillWork() throws Exception {
        given().header("Authorization", Api.AUTHORIZATION).get("/input_content").then().statusCode(200);
        given().header("Authorization", "Bearer " + token("read", -60)).get("/input_content").then().statusCode(401);
        given().header("Authorization", "Bearer eyJhbGciOiJub25lIn0.eyJzY29wZSI6InJlYWQifQ.").get("/input_content").then()
                .statusCode(401);
    }
}
