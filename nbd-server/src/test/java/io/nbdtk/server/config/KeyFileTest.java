package io.nbdtk.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyFileTest {
    private static final Path FILE = Path.of("/etc/nbd-server/config");

    @Test
    void readsSectionsKeysAndLineNumbersSkippingCommentsAndBlankLines() throws Exception {
        List<KeyFile.Section> sections = KeyFile.parse(FILE, """
                # leading comment
                [generic]

                   # indented comment
                port = 10809
                [disk]
                exportname=/srv/disk
                """);

        assertThat(sections).extracting(KeyFile.Section::name).containsExactly("generic", "disk");
        assertThat(sections.get(0).entries().get("port")).isEqualTo(new KeyFile.Entry("port", "10809", 5));
        assertThat(sections.get(1).line()).isEqualTo(6);
        assertThat(sections.get(1).entries().get("exportname").value()).isEqualTo("/srv/disk");
    }

    @Test
    void stripsLeadingButKeepsTrailingBlanksOfValuesLikeGlib() throws Exception {
        List<KeyFile.Section> sections = KeyFile.parse(FILE, "[generic]\nuser =   nbd  \n");

        assertThat(sections.get(0).entries().get("user").value()).isEqualTo("nbd  ");
    }

    @Test
    void decodesGlibEscapes() throws Exception {
        List<KeyFile.Section> sections = KeyFile.parse(FILE, "[generic]\nunixsock = \\s/a\\\\b\\tc\n");

        assertThat(sections.get(0).entries().get("unixsock").value()).isEqualTo(" /a\\b\tc");
    }

    @Test
    void hashInsideAValueIsPartOfTheValue() throws Exception {
        // The format has no trailing comments: '#' counts only at the start of a line.
        List<KeyFile.Section> sections = KeyFile.parse(FILE, "[generic]\nuser = nbd # not a comment\n");

        assertThat(sections.get(0).entries().get("user").value()).isEqualTo("nbd # not a comment");
    }

    @Test
    void rejectsALineThatIsNeitherKeyValueNorSection() {
        assertThatThrownBy(() -> KeyFile.parse(FILE, "[generic]\njust words\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("/etc/nbd-server/config:2")
                .hasMessageContaining("just words");
    }

    @Test
    void rejectsAnOptionBeforeAnySection() {
        assertThatThrownBy(() -> KeyFile.parse(FILE, "port = 1\n[generic]\n"))
                .hasMessageContaining(":1: key 'port'");
    }

    @Test
    void rejectsARepeatedKeyNamingBothLines() {
        assertThatThrownBy(() -> KeyFile.parse(FILE, "[generic]\nport = 1\nport = 2\n"))
                .hasMessageContaining(":3: key 'port'")
                .hasMessageContaining("line 2");
    }

    @Test
    void rejectsARepeatedSection() {
        assertThatThrownBy(() -> KeyFile.parse(FILE, "[generic]\n[a]\n[a]\n"))
                .hasMessageContaining(":3")
                .hasMessageContaining("unique");
    }

    @Test
    void rejectsMalformedHeadersAndEscapes() {
        assertThatThrownBy(() -> KeyFile.parse(FILE, "[generic\n")).hasMessageContaining("section header");
        assertThatThrownBy(() -> KeyFile.parse(FILE, "[generic]\nuser = a\\q\n"))
                .hasMessageContaining(":2: key 'user'").hasMessageContaining("escape");
    }
}
