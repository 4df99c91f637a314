#!/usr/bin/env bash
# End-to-end on a real cluster — the release check (docs/install.md, "End-to-end check").
#
#   test/e2e/kind.sh                                   # a throw-away kind cluster (needs docker + kind)
#   E2E_USE_CURRENT_CONTEXT=1 E2E_IMAGE=registry/strata:tag test/e2e/kind.sh   # any cluster (kubeconfig)
#
# Installs the chart as it is (its pinned sidecars and RBAC) with MinIO as the bucket, then
# checks: every pod up without restarts (a sidecar that crashes on a capability fails here);
# PVC → a Pod writes files → another Pod reads them back; VolumeSnapshot; an image blessed from
# it and a PVC forked from it by the strata.dev/from annotation (Event "Forked" listed by
# `kubectl describe pvc`); restore to a larger PVC; clone; expansion of a PVC; the GC Lease
# held; deletes (PVs gone, volumes gone from the bucket); no "forbidden" in Strata's logs.
#
# Skips (exit 0) without a cluster: no container engine, kind, kubectl or helm, or no ublk
# driver on the host (kind nodes share the host kernel: sudo modprobe ublk_drv) — as on the
# CI machines, which have the docker client but no engine. E2E_KEEP=1 keeps the kind cluster.
set -Eeuo pipefail
cd "$(dirname "$0")/../.."
skip() { echo "e2e: skipped: $*"; exit 0; }
current=${E2E_USE_CURRENT_CONTEXT:-0}
for tool in kubectl helm; do command -v $tool >/dev/null || skip "no $tool"; done
if [ "$current" = 1 ]; then
  kubectl version >/dev/null 2>&1 || skip "the current kubectl context answers nothing"
  [ -n "${E2E_IMAGE:-}" ] || { echo "e2e: E2E_USE_CURRENT_CONTEXT=1 needs E2E_IMAGE=repository:tag (an image the cluster can pull)" >&2; exit 2; }
else
  command -v docker >/dev/null && docker info >/dev/null 2>&1 || skip "no container engine"
  command -v kind >/dev/null || skip "no kind"
  [ -e /dev/ublk-control ] || skip "the host kernel has no ublk_drv loaded (modprobe ublk_drv)"
fi

ns=strata
app=strata-e2e            # namespace of the test's PVCs and pods
snapshotter=v8.6.0        # snapshot CRDs + snapshot-controller, matching the chart's csi-snapshotter
image=${E2E_IMAGE:-strata:e2e}
repo=${image%:*} tag=${image##*:}
minio_user=strata minio_secret=strata-e2e-secret
bucket_args="--store=s3://strata/e2e --s3-endpoint=http://minio.$ns.svc:9000 --s3-path-style --s3-access-key=$minio_user"

diagnose() {
  echo "e2e: FAILED — diagnostics follow" >&2
  kubectl get pods,pvc,volumesnapshot -A -o wide >&2 || true
  kubectl -n "$app" get events --sort-by=.lastTimestamp >&2 || true
  for c in strata csi-provisioner csi-attacher csi-snapshotter csi-resizer; do
    echo "--- controller/$c" >&2; kubectl -n "$ns" logs deploy/strata-controller -c $c --tail=60 >&2 || true
  done
  echo "--- node/strata" >&2; kubectl -n "$ns" logs ds/strata-node -c strata --tail=60 >&2 || true
}
trap diagnose ERR

if [ "$current" != 1 ]; then
  docker build -t "$image" .
  kind create cluster --name strata-e2e --wait 120s
  [ "${E2E_KEEP:-0}" = 1 ] || trap 'kind delete cluster --name strata-e2e' EXIT
  kind load docker-image "$image" --name strata-e2e
  pull=Never
else
  pull=IfNotPresent
fi

# --- cluster prerequisites: snapshot CRDs and controller (unless the cluster has them) -----
if ! kubectl get crd volumesnapshots.snapshot.storage.k8s.io >/dev/null 2>&1; then
  base=https://raw.githubusercontent.com/kubernetes-csi/external-snapshotter/$snapshotter
  for crd in volumesnapshotclasses volumesnapshotcontents volumesnapshots; do
    kubectl apply -f "$base/client/config/crd/snapshot.storage.k8s.io_$crd.yaml"
  done
  kubectl apply -f "$base/deploy/kubernetes/snapshot-controller/rbac-snapshot-controller.yaml"
  kubectl apply -f "$base/deploy/kubernetes/snapshot-controller/setup-snapshot-controller.yaml"
fi

# --- MinIO as the bucket ------------------------------------------------------------------
kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f -
kubectl create namespace "$app" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$ns" apply -f - <<YAML
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
          env: [{name: MINIO_ROOT_USER, value: $minio_user}, {name: MINIO_ROOT_PASSWORD, value: $minio_secret}]
          ports: [{containerPort: 9000}]
---
apiVersion: v1
kind: Service
metadata: {name: minio}
spec: {selector: {app: minio}, ports: [{port: 9000}]}
YAML
kubectl -n "$ns" rollout status deploy/minio --timeout=180s
kubectl -n "$ns" delete pod mc --ignore-not-found
kubectl -n "$ns" run mc --rm -i --restart=Never --image=quay.io/minio/mc:RELEASE.2025-04-16T18-13-26Z --command -- \
  sh -c "mc alias set m http://minio:9000 $minio_user $minio_secret && mc mb -p m/strata"
kubectl -n "$ns" create secret generic strata-s3 --from-literal=access-key=$minio_user --from-literal=secret-key=$minio_secret \
  --dry-run=client -o yaml | kubectl apply -f -

# --- the chart, as shipped ------------------------------------------------------------------
helm upgrade --install strata deploy/helm/strata -n "$ns" --wait --timeout 5m \
  --set image.repository="$repo" --set image.tag="$tag" --set image.pullPolicy=$pull \
  --set store.uri=s3://strata/e2e --set store.s3.endpoint=http://minio.$ns.svc:9000 --set store.s3.pathStyle=true \
  --set store.credentials.existingSecret=strata-s3 --set controller.gc.intervalMinutes=1
kubectl -n "$ns" rollout status deploy/strata-controller --timeout=180s
kubectl -n "$ns" rollout status ds/strata-node --timeout=180s
sleep 20 # a sidecar that crashes on Strata's capabilities does so right after it connects
restarts=$(kubectl -n "$ns" get pods -l app.kubernetes.io/name=strata -o jsonpath='{range .items[*].status.containerStatuses[*]}{.restartCount}{"\n"}{end}' | awk '{s+=$1} END {print s+0}')
[ "$restarts" = 0 ] || { echo "e2e: containers restarted $restarts times" >&2; false; }

# --- helpers --------------------------------------------------------------------------------
pvc() { # name size [extra spec lines (dataSource)] [annotation]
  kubectl -n "$app" apply -f - <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: $1
  annotations: {${4:-}}
spec:
  storageClassName: strata
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: $2}}
${3:-}
YAML
}
run_pod() { # name claim script
  kubectl -n "$app" delete pod "$1" --ignore-not-found --wait
  kubectl -n "$app" apply -f - <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  restartPolicy: Never
  containers:
    - name: c
      image: busybox:1.36
      command: [sh, -ec, "$3"]
      volumeMounts: [{name: d, mountPath: /data}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: $2}}]
YAML
  kubectl -n "$app" wait pod/"$1" --for=jsonpath='{.status.phase}'=Succeeded --timeout=300s
  kubectl -n "$app" logs "$1"
  kubectl -n "$app" delete pod "$1" --wait
}
strata_cli() { # name args... — the strata CLI against the bucket, in the cluster
  kubectl -n "$ns" delete pod "$1" --ignore-not-found --wait >/dev/null
  local name=$1; shift
  kubectl -n "$ns" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $name}
spec:
  restartPolicy: Never
  containers:
    - name: c
      image: $image
      imagePullPolicy: $pull
      args: [$(printf '"%s", ' "$@" $bucket_args "--s3-secret-key-file=/etc/s3/secret-key" "--state-dir=/tmp/strata" | sed 's/, $//')]
      volumeMounts: [{name: s3, mountPath: /etc/s3, readOnly: true}, {name: tmp, mountPath: /tmp}]
  volumes: [{name: s3, secret: {secretName: strata-s3}}, {name: tmp, emptyDir: {}}]
YAML
  kubectl -n "$ns" wait pod/"$name" --for=jsonpath='{.status.phase}'=Succeeded --timeout=180s >/dev/null
  kubectl -n "$ns" logs "$name"
  kubectl -n "$ns" delete pod "$name" --wait >/dev/null
}
volume_of() { kubectl -n "$app" get pvc "$1" -o jsonpath='{.spec.volumeName}'; }

# --- a PVC; a Pod writes files; another Pod reads them back ---------------------------------
pvc data 1Gi
run_pod writer data "echo strata-e2e > /data/hello; dd if=/dev/urandom of=/data/blob bs=1M count=16; sha256sum /data/blob > /data/blob.sha; sync"
run_pod reader data "grep -q strata-e2e /data/hello; sha256sum -c /data/blob.sha"

# --- a VolumeSnapshot; an image blessed from it; a PVC forked by the annotation -------------
kubectl -n "$app" apply -f - <<YAML
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: snap}
spec: {volumeSnapshotClassName: strata, source: {persistentVolumeClaimName: data}}
YAML
kubectl -n "$app" wait volumesnapshot/snap --for=jsonpath='{.status.readyToUse}'=true --timeout=180s
content=$(kubectl -n "$app" get volumesnapshot snap -o jsonpath='{.status.boundVolumeSnapshotContentName}')
snapshot_id=$(kubectl get volumesnapshotcontent "$content" -o jsonpath='{.status.snapshotHandle}')
echo "e2e: snapshot $snapshot_id"
strata_cli cli-bless bless e2e-golden --from "snapshot:$snapshot_id"
pvc forked 1Gi "" '"strata.dev/from": "image:e2e-golden"'
run_pod check-forked forked "grep -q strata-e2e /data/hello; sha256sum -c /data/blob.sha"
kubectl -n "$app" describe pvc forked | tee /dev/stderr | grep -q "Forked" \
  || { echo "e2e: kubectl describe pvc shows no Forked Event (involvedObject.uid?)" >&2; false; }

# --- restore to a larger PVC, and a clone ---------------------------------------------------
pvc restored 2Gi "  dataSource: {name: snap, kind: VolumeSnapshot, apiGroup: snapshot.storage.k8s.io}"
pvc clone 1Gi "  dataSource: {name: data, kind: PersistentVolumeClaim}"
run_pod check-restored restored "grep -q strata-e2e /data/hello; sha256sum -c /data/blob.sha; df -k /data; test \$(df -k /data | tail -1 | awk '{print \$2}') -gt 1800000"
run_pod check-clone clone "grep -q strata-e2e /data/hello; sha256sum -c /data/blob.sha"

# --- expansion ------------------------------------------------------------------------------
kubectl -n "$app" patch pvc data --type=merge -p '{"spec":{"resources":{"requests":{"storage":"3Gi"}}}}'
run_pod check-expanded data "sha256sum -c /data/blob.sha; df -k /data; test \$(df -k /data | tail -1 | awk '{print \$2}') -gt 2500000"
kubectl -n "$app" wait pvc/data --for=jsonpath='{.status.capacity.storage}'=3Gi --timeout=180s

# --- the GC Lease is held (the chart's RBAC lets the election run) -------------------------
holder=$(kubectl -n "$ns" get lease strata-gc -o jsonpath='{.spec.holderIdentity}')
[ -n "$holder" ] || { echo "e2e: nobody holds the GC lease" >&2; false; }
echo "e2e: GC lease held by $holder"

# --- deletes: PVs go, and so do their volumes in the bucket --------------------------------
volumes=$(for c in data forked restored clone; do volume_of $c; echo; done)
kubectl -n "$app" delete volumesnapshot snap --wait --timeout=120s
kubectl -n "$app" delete pvc data forked restored clone --wait --timeout=180s
for v in $volumes; do kubectl wait pv/"$v" --for=delete --timeout=180s 2>/dev/null || true; done
left=$(strata_cli cli-volumes volumes)
for v in $volumes; do
  if grep -qw "$v" <<<"$left"; then echo "e2e: volume $v is still in the bucket" >&2; false; fi
done

# --- no request of Strata's was refused -----------------------------------------------------
if kubectl -n "$ns" logs deploy/strata-controller -c strata | grep -i -E "forbidden|403"; then
  echo "e2e: the API server refused a request of Strata's (RBAC)" >&2; false
fi
kubectl delete namespace "$app" --wait=false
echo "e2e: passed"
