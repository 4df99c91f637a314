package dev.strata.csi;

import csi.v1.Csi.*;
import csi.v1.IdentityGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** CSI Identity: name, version, capabilities, and a Probe that fails while the bucket is unreachable. */
public final class IdentityService extends IdentityGrpc.IdentityImplBase {
    public static final String DRIVER_NAME = "csi.strata.dev";

    /** Readiness: null when ready, otherwise why not. */
    public interface Health extends Supplier<String> {}

    private final String version;
    private final boolean controller;
    private final Health health;

    public IdentityService(String version, boolean controller, Health health) {
        this.version = version;
        this.controller = controller;
        this.health = health;
    }

    @Override
    public void getPluginInfo(GetPluginInfoRequest req, StreamObserver<GetPluginInfoResponse> out) {
        Rpc.unary("GetPluginInfo", out, () -> GetPluginInfoResponse.newBuilder()
                .setName(DRIVER_NAME).setVendorVersion(version).build());
    }

    @Override
    public void getPluginCapabilities(GetPluginCapabilitiesRequest req,
                                      StreamObserver<GetPluginCapabilitiesResponse> out) {
        Rpc.unary("GetPluginCapabilities", out, () -> {
            var b = GetPluginCapabilitiesResponse.newBuilder();
            if (controller) for (var type : new PluginCapability.Service.Type[] {PluginCapability.Service.Type.CONTROLLER_SERVICE,
                    PluginCapability.Service.Type.SNAPSHOT_METADATA_SERVICE, PluginCapability.Service.Type.GROUP_CONTROLLER_SERVICE})
                b.addCapabilities(PluginCapability.newBuilder().setService(PluginCapability.Service.newBuilder().setType(type)));
            b.addCapabilities(PluginCapability.newBuilder().setVolumeExpansion(
                    PluginCapability.VolumeExpansion.newBuilder().setType(PluginCapability.VolumeExpansion.Type.ONLINE)));
            return b.build();
        });
    }

    @Override
    public void probe(ProbeRequest req, StreamObserver<ProbeResponse> out) {
        Rpc.unary("Probe", out, () -> {
            String problem = health.get();
            if (problem != null) throw Status.FAILED_PRECONDITION.withDescription(problem).asRuntimeException();
            return ProbeResponse.newBuilder().setReady(com.google.protobuf.BoolValue.of(true)).build();
        });
    }
}
