package dev.strata.cli;

import csi.v1.Csi.ControllerPublishVolumeRequest;
import csi.v1.Csi.ControllerPublishVolumeResponse;
import csi.v1.Csi.ControllerUnpublishVolumeRequest;
import csi.v1.Csi.NodeGetInfoRequest;
import csi.v1.Csi.NodeStageVolumeRequest;
import csi.v1.Csi.NodeUnstageVolumeRequest;
import csi.v1.Csi.VolumeCapability;
import dev.strata.csi.CsiServer;
import dev.strata.node.LocalMap;
import dev.strata.volume.VolumeName;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
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
        @Mixin OutputOptions output;
        @Parameters(paramLabel = "NAME", description = "The volume to attach.") String name;

        @Override
        public Integer call() {
            VolumeName volume = new VolumeName(name);
            String device;
            try (CsiSocketClient csi = new CsiSocketClient(socket(store, server))) {
                String missing = nodeServiceMissing(csi);
                if (missing != null) {
                    System.err.println("strata attach " + name + ": " + missing);
                    return Failures.USER_ERROR;
                }
                device = attach(csi, volume);
            } catch (StatusRuntimeException e) {
                return Failures.rpc("attach " + name, e);
            }
            output.print(java.util.Map.of("volume", volume.value(), "device", device), device);
            return 0;
        }

        /** Publish, stage, read the device; on any failure undoes what was done, then rethrows. */
        private String attach(CsiSocketClient csi, VolumeName volume) {
            boolean published = false;
            try {
                ControllerPublishVolumeResponse p = csi.controller().controllerPublishVolume(ControllerPublishVolumeRequest
                        .newBuilder().setVolumeId(volume.value()).setNodeId(server.nodeId()).setVolumeCapability(block()).build());
                published = true;
                csi.node().nodeStageVolume(NodeStageVolumeRequest.newBuilder().setVolumeId(volume.value())
                        .setStagingTargetPath(staging(store, volume).toString()).setVolumeCapability(block())
                        .putAllPublishContext(p.getPublishContextMap()).build());
                LocalMap.Entry entry = LocalMap.open(store.stateDir().resolve("node")).get(volume)
                        .orElseThrow(() -> new IllegalStateException("the server attached " + name + " but its local map does not list it"));
                return "/dev/ublkb" + entry.devId();
            } catch (RuntimeException e) {
                if (published) rollBack(csi, volume, e);
                throw e;
            }
        }

        private void rollBack(CsiSocketClient csi, VolumeName volume, RuntimeException cause) {
            try {
                csi.node().nodeUnstageVolume(NodeUnstageVolumeRequest.newBuilder().setVolumeId(volume.value())
                        .setStagingTargetPath(staging(store, volume).toString()).build());
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != io.grpc.Status.Code.UNIMPLEMENTED) cause.addSuppressed(e);
            }
            try {
                csi.controller().controllerUnpublishVolume(ControllerUnpublishVolumeRequest.newBuilder()
                        .setVolumeId(volume.value()).setNodeId(server.nodeId()).build());
                System.err.println("strata attach " + name + ": failed; undone (the volume is unpublished again)");
            } catch (StatusRuntimeException e) {
                cause.addSuppressed(e);
                System.err.println("strata attach " + name + ": failed, and undoing it failed too: " + e.getStatus()
                        + "; run 'strata detach " + name + "' or 'strata volumes unpublish " + name + " --force --node " + server.nodeId() + "'");
            }
        }
    }

    /** Null when the server runs a Node service, else what to do about it. */
    static String nodeServiceMissing(CsiSocketClient csi) {
        try {
            csi.node().nodeGetInfo(NodeGetInfoRequest.getDefaultInstance());
            return null;
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != io.grpc.Status.Code.UNIMPLEMENTED) throw e;
            return "the running server has no Node service, so it cannot make block devices: "
                    + (Files.exists(Path.of("/dev/ublk-control"))
                    ? "it was started with --no-node; restart 'strata serve' without it"
                    : "this kernel has no ublk driver: modprobe ublk_drv (Linux 6.5+), then restart 'strata serve'");
        }
    }

    @Command(name = "detach", mixinStandardHelpOptions = true, description = {"Detach a volume attached with `strata attach`.",
            "Uploads what is not in the bucket yet, removes the device and releases the volume."})
    static final class Detach implements Callable<Integer> {
        @Mixin StoreOptions store;
        @Mixin ServerOptions server;
        @Mixin OutputOptions output;
        @Parameters(paramLabel = "NAME", description = "The volume to detach.") String name;

        @Override
        public Integer call() {
            VolumeName volume = new VolumeName(name);
            try (CsiSocketClient csi = new CsiSocketClient(socket(store, server))) {
                String missing = nodeServiceMissing(csi);
                if (missing != null) {
                    System.err.println("strata detach " + name + ": " + missing + " (to release a volume of a dead node: "
                            + "strata volumes unpublish " + name + " --force)");
                    return Failures.USER_ERROR;
                }
                csi.node().nodeUnstageVolume(NodeUnstageVolumeRequest.newBuilder().setVolumeId(volume.value())
                        .setStagingTargetPath(staging(store, volume).toString()).build());
                csi.controller().controllerUnpublishVolume(ControllerUnpublishVolumeRequest.newBuilder()
                        .setVolumeId(volume.value()).setNodeId(server.nodeId()).build());
            } catch (StatusRuntimeException e) {
                return Failures.rpc("detach " + name, e);
            }
            output.print(java.util.Map.of("detached", volume.value()), "detached " + name);
            return 0;
        }
    }
}
