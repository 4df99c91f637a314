# syntax=docker/dockerfile:1
# Strata's image: one binary for the controller (runs as 65532, read-only root) and the node
# plugin (privileged, root: it loads ublk_drv, runs mkfs and mount). Build: docker build -t strata .

# ---- build: the shaded jar, and a Java runtime holding only the modules it uses ----
FROM eclipse-temurin:25-jdk-noble AS build
WORKDIR /src
COPY mvnw pom.xml ./
COPY proto ./proto
COPY src/main ./src/main
RUN ./mvnw -B -q -DskipTests package \
 && cp target/strata-*.jar /strata.jar \
 && jdeps --ignore-missing-deps --multi-release 25 --print-module-deps /strata.jar > /modules.txt \
 && jlink --add-modules "$(cat /modules.txt),jdk.crypto.ec,jdk.zipfs,jdk.management" \
      --strip-debug --no-man-pages --no-header-files --compress=zip-6 --output /opt/java

# ---- runtime: what the node plugin calls, nothing else ----
FROM debian:bookworm-slim
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="strata" \
      org.opencontainers.image.description="CSI driver: block volumes in an S3 bucket, served as ublk devices" \
      org.opencontainers.image.source="https://github.com/strata-csi/strata" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      e2fsprogs xfsprogs util-linux mount kmod ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/java /opt/java
COPY --from=build /strata.jar /opt/strata/strata.jar
RUN groupadd --gid 65532 strata && useradd --uid 65532 --gid 65532 --no-create-home --shell /usr/sbin/nologin strata
USER 65532:65532
ENV JAVA_TOOL_OPTIONS="-XX:+ExitOnOutOfMemoryError -XX:MaxRAMPercentage=75"
ENTRYPOINT ["/opt/java/bin/java", "--enable-native-access=ALL-UNNAMED", "-jar", "/opt/strata/strata.jar"]
CMD ["--help"]
