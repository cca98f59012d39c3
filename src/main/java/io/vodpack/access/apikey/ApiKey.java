package io.vodpack.access.apikey;

import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.vodpack.access.Scope;

/** An API key as stored: its hash, never the secret; the owner whose content it reaches; its scopes. */
@Entity
@Table(name = "api_key")
public class ApiKey {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false, length = 16)
    public String prefix;

    @Column(name = "secret_sha256", nullable = false, length = 64, columnDefinition = "bpchar(64)")
    public String secretSha256;

    @Column(nullable = false, length = 64)
    public String owner;

    /** Comma-separated scope roles, e.g. {@code upload,package,read}. */
    @Column(nullable = false, length = 64)
    public String scopes;

    @Column(name = "created_at", nullable = false)
    public OffsetDateTime createdAt;

    @Column(name = "last_used_at")
    public OffsetDateTime lastUsedAt;

    @Column(name = "revoked_at")
    public OffsetDateTime revokedAt;

    public Set<Scope> scopeSet() {
        return parseScopes(scopes);
    }

    static Set<Scope> parseScopes(String text) {
        Set<Scope> set = EnumSet.noneOf(Scope.class);
        Arrays.stream(text.split(",")).map(String::strip).map(Scope::of).forEach(s -> s.ifPresent(set::add));
        return set;
    }

    static String formatScopes(Set<Scope> scopes) {
        return scopes.stream().sorted().map(Scope::role).collect(Collectors.joining(","));
    }
}
