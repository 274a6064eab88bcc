package io.nbdtk.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class MountOptionsTest {
    @Test
    void libfuseGetsLargeRequestsAndTheUsersOptionsLast() {
        List<String> args = MountOptions.defaults().withReadOnly(true).withDirectIo(true)
                .withExtraOptions(List.of("allow_other", "uid=1000")).fuseArguments();
        assertThat(args).hasSize(2).first().isEqualTo("-o");
        assertThat(args.get(1).split(",")).containsSubsequence("big_writes", "max_write=131072", "max_read=131072",
                "default_permissions", "ro", "direct_io", "allow_other", "uid=1000");
    }

    @Test
    void readWriteWithoutDirectIoByDefault() {
        assertThat(MountOptions.defaults().fuseArguments().get(1)).doesNotContain("ro,").doesNotContain("direct_io");
    }
}
