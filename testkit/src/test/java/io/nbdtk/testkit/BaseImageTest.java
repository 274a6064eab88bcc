package io.nbdtk.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaseImageTest {
    @TempDir
    Path dir;

    private Properties sys(String value) {
        Properties p = new Properties();
        if (value != null) {
            p.setProperty(BaseImage.PROPERTY, value);
        }
        return p;
    }

    @Test
    void systemPropertyWinsOverEverything() throws IOException {
        Path file = Files.writeString(dir.resolve("tc.properties"), "nbdtk.testkit.baseImage=from-file:1\n");
        assertThat(BaseImage.resolve(sys("from-prop:1"), Map.of(BaseImage.ENVIRONMENT, "from-env:1"), file))
                .isEqualTo("from-prop:1");
    }

    @Test
    void environmentThenPropertiesFileThenDefault() throws IOException {
        Path file = Files.writeString(dir.resolve("tc.properties"), "other=x\nnbdtk.testkit.baseImage=from-file:1\n");
        assertThat(BaseImage.resolve(sys(null), Map.of(BaseImage.ENVIRONMENT, "from-env:1"), file))
                .isEqualTo("from-env:1");
        assertThat(BaseImage.resolve(sys(null), Map.of(), file)).isEqualTo("from-file:1");
        assertThat(BaseImage.resolve(sys(null), Map.of(), dir.resolve("missing"))).isEqualTo(BaseImage.DEFAULT);
    }
}
