{{/* The external-snapshot-metadata sidecar (changed-block tracking), when snapshotMetadata.enabled. */}}
{{- define "strata.snapshotMetadataAudience" -}}
{{- .Values.snapshotMetadata.audience | default (printf "%s-snapshot-metadata" .Release.Name) -}}
{{- end -}}

{{- define "strata.snapshotMetadataSidecar" -}}
{{- if .Values.snapshotMetadata.enabled -}}
{{- if not .Values.snapshotMetadata.tlsSecret -}}{{- fail "snapshotMetadata.enabled needs snapshotMetadata.tlsSecret (a kubernetes.io/tls Secret)" -}}{{- end -}}
{{- if not .Values.snapshotMetadata.caCert -}}{{- fail "snapshotMetadata.enabled needs snapshotMetadata.caCert (base64 PEM of the CA that signed the Secret's tls.crt)" -}}{{- end -}}
- name: csi-snapshot-metadata
  image: {{ .Values.snapshotMetadata.image }}
  args: [--csi-address=/csi/csi.sock, --tls-cert=/tls/tls.crt, --tls-key=/tls/tls.key,
         --audience={{ include "strata.snapshotMetadataAudience" . }}, --v=2]
  ports:
    - {name: snapshot-meta, containerPort: 50051}
  readinessProbe:
    httpGet: {path: /health, port: 8080}
    initialDelaySeconds: 5
  securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
  resources: {{- toYaml .Values.sidecars.resources | nindent 4 }}
  volumeMounts:
    - {name: socket-dir, mountPath: /csi}
    - {name: snapshot-metadata-tls, mountPath: /tls, readOnly: true}
{{- end -}}
{{- end -}}

{{- define "strata.snapshotMetadataVolumes" -}}
{{- if .Values.snapshotMetadata.enabled -}}
- name: snapshot-metadata-tls
  secret: {secretName: {{ .Values.snapshotMetadata.tlsSecret }}}
{{- end -}}
{{- end -}}
