package io.nbdtk.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ExportChangesTest {
    private final FileSystem fs = Jimfs.newFileSystem(Configuration.unix());
    private final Path config = fs.getPath("/etc/nbd-server/config");

    @AfterEach
    void close() throws Exception {
        fs.close();
    }

    private ServerConfig parse(String text) throws Exception {
        Files.createDirectories(config.getParent());
        Files.writeString(config, text);
        return ConfigFileParser.parse(config);
    }

    @Test
    void findsAddedRemovedAndChangedExportsAndIgnoresMovedOnes() throws Exception {
        ServerConfig before = parse("""
                [generic]
                [keep]
                exportname = /keep
                [drop]
                exportname = /drop
                [edit]
                exportname = /edit
                """);
        ServerConfig after = parse("""
                [generic]
                # comments shift every line: keep must still count as unchanged
                [edit]
                exportname = /edit
                readonly = true
                [keep]
                exportname = /keep
                [new]
                exportname = /new
                """);

        ExportChanges c = ExportChanges.between(before.exports(), after.exports());

        assertThat(c.added()).extracting(ExportSection::name).containsExactly("new");
        assertThat(c.removed()).containsExactly("drop");
        assertThat(c.changed()).extracting(ExportSection::name).containsExactly("edit");
        assertThat(c.changed().get(0).readOnly()).isTrue();
    }

    @Test
    void anIdenticalConfigChangesNothing() throws Exception {
        String text = "[generic]\n[a]\nexportname = /a\n";

        assertThat(ExportChanges.between(parse(text).exports(), parse(text).exports()).isEmpty()).isTrue();
    }
}
