package io.vodpack.core.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * {@link VodpackConfig} as a plain unit test sees it: the defaults of application.properties (their one home)
 * under the given overrides, without starting Quarkus.
 */
public final class ApplicationDefaults {

    private ApplicationDefaults() {
    }

    public static VodpackConfig vodpackConfig(Map<String, String> overrides) {
        try {
            return new SmallRyeConfigBuilder().withMapping(VodpackConfig.class).addDefaultInterceptors()
                    .withSources(new PropertiesConfigSource(ApplicationDefaults.class.getResource("/application.properties"), 100))
                    .withSources(new PropertiesConfigSource(overrides, "test", 500))
                    .build().getConfigMapping(VodpackConfig.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
