package io.nbdtk.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.nbdtk.server.os.FuseLibC;


class KernelMountOptionsTest {
    @Test
    void readOnlyDirectIoAndTheUsersOptionsBecomeFlagsKernelOptionsAndOwner() throws Exception {
        KernelMountOptions k = KernelMountOptions.of(MountOptions.defaults().withReadOnly(true)
                .withExtraOptions(List.of("allow_other", "uid=1000", "gid=50", "direct_io", "big_writes", "max_read=131072")),
                0, 0);
        assertThat(k.mounter().flags()).isEqualTo(FuseLibC.MS_RDONLY | FuseLibC.MS_NOSUID | FuseLibC.MS_NODEV);
        assertThat(k.mounter().options()).containsExactly("default_permissions", "allow_other");
        assertThat(k.uid()).isEqualTo(1000);
        assertThat(k.gid()).isEqualTo(50);
        assertThat(k.directIo()).isTrue();
        assertThat(k.mounter().kernelData(7, 0, 0))
                .isEqualTo("fd=7,rootmode=40000,user_id=0,group_id=0,default_permissions,allow_other");
        assertThat(k.mounter().fusermountOptions())
                .isEqualTo("fsname=nbd-fuse,subtype=nbd-fuse,ro,default_permissions,allow_other");
    }

    @Test
    void defaultsAreTheMountersUserAndThePageCache() throws Exception {
        KernelMountOptions k = KernelMountOptions.of(MountOptions.defaults(), 65534, 65534);
        assertThat(k.uid()).isEqualTo(65534);
        assertThat(k.directIo()).isFalse();
        assertThat(k.mounter().flags() & FuseLibC.MS_RDONLY).isZero();
    }

    @Test
    void unknownOptionsAreRefusedByName() {
        assertThatThrownBy(() -> KernelMountOptions.of(MountOptions.defaults().withExtraOptions(List.of("frobnicate")), 0, 0))
                .hasMessageContaining("'frobnicate'");
        assertThatThrownBy(() -> KernelMountOptions.of(MountOptions.defaults().withExtraOptions(List.of("uid=me")), 0, 0))
                .hasMessageContaining("number");
    }
}
