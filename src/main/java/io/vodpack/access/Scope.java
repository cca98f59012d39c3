package io.vodpack.access;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What an API key may do. Each scope is a Quarkus Security role of the same name, so resources say
 * {@code @RolesAllowed(Scope.Names.UPLOAD)}; {@code admin} manages keys and holds every other scope too.
 */
public enum Scope {
    UPLOAD, PACKAGE, READ, DELETE, ADMIN;

    /** Role names as compile-time constants, for annotations. */
    public static final class Names {
        public static final String UPLOAD = "upload";
        public static final String PACKAGE = "package";
        public static final String READ = "read";
        public static final String DELETE = "delete";
        public static final String ADMIN = "admin";

        private Names() {
        }
    }

    public String role() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Scope> of(String role) {
        return Arrays.stream(values()).filter(s -> s.role().equals(role)).findFirst();
    }

    /** The roles a key with {@code scopes} holds: admin implies every scope. */
    public static Set<String> roles(Set<Scope> scopes) {
        Set<Scope> effective = scopes.contains(ADMIN) ? EnumSet.allOf(Scope.class) : scopes;
        return effective.stream().map(Scope::role).collect(Collectors.toUnmodifiableSet());
    }
}
