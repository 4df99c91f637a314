package dev.strata.csi;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs every RPC once with a request id, its method, outcome and duration (no request
 * bodies: they may carry secrets), and warns on slow calls.
 */
final class RequestLog implements ServerInterceptor {
    private static final Logger log = LoggerFactory.getLogger(RequestLog.class);
    private static final long SLOW_NANOS = 10_000_000_000L;
    private final AtomicLong ids = new AtomicLong();

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        long id = ids.incrementAndGet();
        long start = System.nanoTime();
        String method = call.getMethodDescriptor().getBareMethodName();
        ServerCall<Q, R> logged = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                long nanos = System.nanoTime() - start;
                var event = status.isOk() ? log.atDebug() : nanos > SLOW_NANOS ? log.atWarn() : log.atInfo();
                if (nanos > SLOW_NANOS) event = log.atWarn();
                event = event.setMessage("rpc").addKeyValue("rpc", method).addKeyValue("requestId", id)
                        .addKeyValue("code", status.getCode()).addKeyValue("ms", nanos / 1_000_000);
                if (status.getDescription() != null) event = event.addKeyValue("error", status.getDescription());
                event.log();
                Metrics.rpc(method, status.getCode().name(), nanos);
                super.close(status, trailers);
            }
        };
        return next.startCall(logged, headers);
    }
}
