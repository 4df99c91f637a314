package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import csi.v1.Csi.ControllerGetCapabilitiesRequest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * gRPC's Netty transport asks for SO_KEEPALIVE on every connection; a unix socket has no such
 * option and Netty warned about it on each CSI call (server side) and each CLI call (client side).
 */
class UnixSocketOptionsTest {
    @TempDir Path stateDir;

    @Test
    void aCsiCallOverTheUnixSocketLogsNoUnknownSocketOption() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        root.addAppender(seen);
        try {
            StoreOptions store = new StoreOptions();
            store.stateDir = stateDir;
            ServerOptions options = new ServerOptions();
            options.nodeId = "node-1";
            try (ServerRoot server = ServerRoot.start(store, options, true);
                 CsiSocketClient cli = new CsiSocketClient(server.server().socket())) {
                assertFalse(cli.controller().controllerGetCapabilities(ControllerGetCapabilitiesRequest.getDefaultInstance())
                        .getCapabilitiesList().isEmpty());
            }
        } finally {
            root.detachAppender(seen);
        }
        List<String> warnings = seen.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("SO_KEEPALIVE") || m.contains("Unknown channel option")).toList();
        assertEquals(List.of(), warnings);
    }
}
