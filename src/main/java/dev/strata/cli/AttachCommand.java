package dev.strata.cli;

import csi.v1.Csi.ControllerPublishVolumeRequest;
import csi.v1.Csi.ControllerPublishVolumeResponse;
import csi.v1.Csi.ControllerUnpublishVolumeRequest;
import csi.v1.Csi.NodeStageVolumeRequest;
import csi.v1.Csi.NodeUnstageVolumeRequest;
import csi.v1.Csi.VolumeCapability;
import dev.strata.csi.CsiServer;
import dev.strata.node.LocalMap;
import dev.strata.volume.VolumeName;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code strata attach NAME} / {@code strata detach NAME}: a volume as a block device outside Kubernetes. */
final class AttachCommand {
    private AttachCommand() {}

    static VolumeCapability block() {
        return VolumeCapability.newBuilder().setBlock(VolumeCapability.BlockVolume.getDefaultInstance())
                .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER))
                .build();
    }

    static Path staging(StoreOptions store, VolumeName name) {
        return ServerRoot.attachDir(store.stateDir()).resolve(name.value());
    }

    static Path socket(StoreOptions store, ServerOptions server) {
        return CsiServer.socketPath(server.csiEndpoint(store.stateDir()));
    }

    @Command(name = "attach", mixinStandardHelpOptions = true, description = {"Attach a volume to this host as a block device; prints the device path.",
            "Goes through the running `strata serve` (same --state-dir / --csi-endpoint), which needs",
            "the ublk driver (Linux 6.5+: modprobe ublk_drv). Undoes what it did when any step fails."})
    static final class Attach implements Callable<Integer> {
        @Mixin StoreOptions store;
        @Mixin ServerOptions server;
        @Parameters(paramLabel = "NAME", description = "The volume to attach.") String name;

        @Override
        public Integer call() {
            VolumeName volume = new VolumeName(name);
            try (CsiSocketClient csi = new CsiSocketClient(socket(store, server))) {
                ControllerPublishVolumeResponse published = csi.controller().controllerPublishVolume(ControllerPublishVolumeRequest
                        .newBuilder().setVolumeId(volume.value()).setNodeId(server.nodeId()).setVolumeCapability(block()).build());
                csi.node().nodeStageVolume(NodeStageVolumeRequest.newBuilder().setVolumeId(volume.value())
                        .setStagingTargetPath(staging(store, volume).toString()).setVolumeCapability(block())
                        .putAllPublishContext(published.getPublishContextMap()).build());
            } catch (StatusRuntimeException e) {
                return Failures.rpc("attach " + name, e);
            }
            LocalMap.Entry entry = LocalMap.open(store.stateDir().resolve("node")).get(volume)
                    .orElseThrow(() -> new IllegalStateException("the server attached " + name + " but its local map does not list it"));
            System.out.println("/dev/ublkb" + entry.devId());
            return 0;
        }
    }

    @Command(name = "detach", mixinStandardHelpOptions = true, description = {"Detach a volume attached with `strata attach`.",
            "Uploads what is not in the bucket yet, removes the device and releases the volume."})
    static final class Detach implements Callable<Integer> {
        @Mixin StoreOptions store;
        @Mixin ServerOptions server;
        @Parameters(paramLabel = "NAME", description = "The volume to detach.") String name;

        @Override
        public Integer call() {
            VolumeName volume = new VolumeName(name);
            try (CsiSocketClient csi = new CsiSocketClient(socket(store, server))) {
                csi.node().nodeUnstageVolume(NodeUnstageVolumeRequest.newBuilder().setVolumeId(volume.value())
                        .setStagingTargetPath(staging(store, volume).toString()).build());
                csi.controller().controllerUnpublishVolume(ControllerUnpublishVolumeRequest.newBuilder()
                        .setVolumeId(volume.value()).setNodeId(server.nodeId()).build());
            } catch (StatusRuntimeException e) {
                return Failures.rpc("detach " + name, e);
            }
            System.out.println("detached " + name);
            return 0;
        }
    }
}
