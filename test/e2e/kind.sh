#!/usr/bin/env bash
# End-to-end on a real cluster: builds the image, starts a kind cluster (or uses the current
# kubectl context with E2E_USE_CURRENT_CONTEXT=1), runs MinIO as the bucket, installs the
# chart, then: PVC → pod writes → VolumeSnapshot → restore → clone → expand → checks.
# Skips (exit 0) when no container engine, kind, kubectl or helm is present — as on the
# CI machines, which have the docker client but no engine. The host kernel needs ublk_drv
# (kind nodes share it): sudo modprobe ublk_drv.
set -euo pipefail
cd "$(dirname "$0")/../.."
skip() { echo "e2e: skipped: $*"; exit 0; }
command -v docker >/dev/null && docker info >/dev/null 2>&1 || skip "no container engine"
for tool in kubectl helm; do command -v $tool >/dev/null || skip "no $tool"; done
[ "${E2E_USE_CURRENT_CONTEXT:-0}" = 1 ] || command -v kind >/dev/null || skip "no kind"
[ -e /dev/ublk-control ] || skip "the host kernel has no ublk_drv loaded (modprobe ublk_drv)"

ns=strata
image=strata:e2e
snapshotter=v8.2.1
docker build -t "$image" .
if [ "${E2E_USE_CURRENT_CONTEXT:-0}" != 1 ]; then
  kind create cluster --name strata-e2e --wait 120s
  trap 'kind delete cluster --name strata-e2e' EXIT
  kind load docker-image "$image" --name strata-e2e
fi

# snapshot CRDs and controller
base=https://raw.githubusercontent.com/kubernetes-csi/external-snapshotter/$snapshotter
for crd in snapshot.storage.k8s.io_volumesnapshotclasses snapshot.storage.k8s.io_volumesnapshotcontents snapshot.storage.k8s.io_volumesnapshots; do
  kubectl apply -f "$base/client/config/crd/$crd.yaml"
done
kubectl apply -f "$base/deploy/kubernetes/snapshot-controller/rbac-snapshot-controller.yaml"
kubectl apply -f "$base/deploy/kubernetes/snapshot-controller/setup-snapshot-controller.yaml"

# MinIO as the bucket
kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$ns" apply -f - <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: minio}
spec:
  selector: {matchLabels: {app: minio}}
  template:
    metadata: {labels: {app: minio}}
    spec:
      containers:
        - name: minio
          image: quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z
          args: [server, /data]
          env: [{name: MINIO_ROOT_USER, value: strata}, {name: MINIO_ROOT_PASSWORD, value: strata-e2e-secret}]
          ports: [{containerPort: 9000}]
---
apiVersion: v1
kind: Service
metadata: {name: minio}
spec: {selector: {app: minio}, ports: [{port: 9000}]}
YAML
kubectl -n "$ns" rollout status deploy/minio --timeout=180s
kubectl -n "$ns" run mc --rm -i --restart=Never --image=quay.io/minio/mc:RELEASE.2025-04-16T18-13-26Z --command -- \
  sh -c 'mc alias set m http://minio:9000 strata strata-e2e-secret && mc mb -p m/strata'
kubectl -n "$ns" create secret generic strata-s3 --from-literal=access-key=strata --from-literal=secret-key=strata-e2e-secret \
  --dry-run=client -o yaml | kubectl apply -f -

helm upgrade --install strata deploy/helm/strata -n "$ns" --wait --timeout 5m \
  --set image.repository=strata --set image.tag=e2e --set image.pullPolicy=Never \
  --set store.uri=s3://strata/e2e --set store.s3.endpoint=http://minio.$ns.svc:9000 --set store.s3.pathStyle=true \
  --set store.credentials.existingSecret=strata-s3

kubectl apply -f - <<'YAML'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: e2e-data, namespace: default}
spec: {storageClassName: strata, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: e2e-writer, namespace: default}
spec:
  restartPolicy: Never
  containers:
    - name: w
      image: busybox:1.36
      command: [sh, -c, "echo strata-e2e > /data/hello && dd if=/dev/urandom of=/data/blob bs=1M count=16 && sha256sum /data/blob > /data/blob.sha && sync"]
      volumeMounts: [{name: d, mountPath: /data}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: e2e-data}}]
YAML
kubectl wait pod/e2e-writer --for=jsonpath='{.status.phase}'=Succeeded --timeout=300s

kubectl apply -f - <<'YAML'
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: e2e-snap, namespace: default}
spec: {volumeSnapshotClassName: strata, source: {persistentVolumeClaimName: e2e-data}}
YAML
kubectl wait volumesnapshot/e2e-snap --for=jsonpath='{.status.readyToUse}'=true --timeout=180s

kubectl apply -f - <<'YAML'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: e2e-restored, namespace: default}
spec:
  storageClassName: strata
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 2Gi}}
  dataSource: {name: e2e-snap, kind: VolumeSnapshot, apiGroup: snapshot.storage.k8s.io}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: e2e-clone, namespace: default}
spec:
  storageClassName: strata
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
  dataSource: {name: e2e-data, kind: PersistentVolumeClaim}
YAML
for claim in e2e-restored e2e-clone; do
  kubectl apply -f - <<YAML
apiVersion: v1
kind: Pod
metadata: {name: check-$claim, namespace: default}
spec:
  restartPolicy: Never
  containers:
    - name: r
      image: busybox:1.36
      command: [sh, -c, "grep -q strata-e2e /data/hello && sha256sum -c /data/blob.sha && df -k /data"]
      volumeMounts: [{name: d, mountPath: /data}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: $claim}}]
YAML
  kubectl wait pod/check-$claim --for=jsonpath='{.status.phase}'=Succeeded --timeout=300s
  kubectl logs check-$claim
done
kubectl describe pvc e2e-restored | grep -i -E 'Forked|SnapshotTaken' || true
echo "e2e: passed"
