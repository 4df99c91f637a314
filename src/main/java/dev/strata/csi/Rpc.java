package dev.strata.csi;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs one unary handler: completes the observer exactly once, failures mapped by {@link Errors}. */
final class Rpc {
    private static final Logger log = LoggerFactory.getLogger(Rpc.class);

    private Rpc() {}

    static <T> void unary(String method, StreamObserver<T> observer, Supplier<T> handler) {
        T response;
        try {
            response = handler.get();
        } catch (RuntimeException | Error e) {
            Status status = Errors.toStatus(e);
            if (status.getCode() == Status.Code.INTERNAL)
                log.atError().setMessage("rpc failed").addKeyValue("rpc", method).setCause(e).log();
            observer.onError(status.asRuntimeException());
            return;
        }
        observer.onNext(response);
        observer.onCompleted();
    }
}
