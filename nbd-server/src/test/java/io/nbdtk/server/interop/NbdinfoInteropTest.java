package io.nbdtk.server.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.nbdtk.server.NbdServer;
import io.nbdtk.testing.Prerequisites;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** libnbd's nbdinfo sees every advertised feature, block sizes, contexts and the export list. */
class NbdinfoInteropTest {
    @TempDir
    Path dir;
    NbdServer server;
    Path nbdinfo;

    @BeforeEach
    void start() throws Exception {
        nbdinfo = Prerequisites.tool("nbdinfo", "libnbd-bin");
        server = InteropServer.start(dir);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void json_reports_size_flags_block_sizes_and_contexts() throws Exception {
        String json = Tool.run(30, nbdinfo.toString(), "--json", InteropServer.uri(server, "disk")).ok().output();
        assertThat(json.replaceAll("\\s+", " ")).contains(
                "\"protocol\": \"newstyle-fixed\"", "\"structured\": true",
                "\"export-name\": \"disk\"", "\"description\": \"interop disk\"",
                "\"base:allocation\"", "\"is_read_only\": false", "\"is_rotational\": false",
                "\"can_cache\": true", "\"can_df\": true", "\"can_fast_zero\": true", "\"can_flush\": true",
                "\"can_fua\": true", "\"can_multi_conn\": true", "\"can_trim\": true", "\"can_zero\": true",
                "\"block_size_minimum\": 1", "\"block_size_preferred\": 4096",
                "\"block_size_maximum\": 67108864", "\"export-size\": 67108864");
    }

    @Test
    void read_only_export_is_reported_read_only_without_write_features() throws Exception {
        String json = Tool.run(30, nbdinfo.toString(), "--json", InteropServer.uri(server, "ro")).ok().output();
        assertThat(json.replaceAll("\\s+", " ")).contains("\"is_read_only\": true", "\"can_trim\": false",
                "\"can_zero\": false", "\"can_fua\": false", "\"export-size\": 1048576");
    }

    @Test
    void list_shows_every_export_with_its_description_over_a_unix_socket() throws Exception {
        String json = Tool.run(30, nbdinfo.toString(), "--list", "--json", InteropServer.unixUri(dir, ""))
                .ok().output().replaceAll("\\s+", " ");
        assertThat(json).contains("\"export-name\": \"disk\"", "\"description\": \"interop disk\"",
                "\"export-name\": \"ro\"", "\"description\": \"read-only\"");
    }

    @Test
    void map_reports_a_fresh_export_as_one_hole() throws Exception {
        String map = Tool.run(30, nbdinfo.toString(), "--map", InteropServer.uri(server, "disk")).ok().output();
        assertThat(map.trim().replaceAll("\\s+", " ")).isEqualTo("0 67108864 3 hole,zero");
    }
}
