package dev.strata.cli;

import java.nio.file.Path;

/** The conformance suite against the embedded file-backed store (the default). */
class CsiConformanceFileTest extends CsiConformanceContract {
    @Override
    StoreOptions storeOptions(Path stateDir) {
        StoreOptions o = new StoreOptions();
        o.stateDir = stateDir;
        return o;
    }
}
