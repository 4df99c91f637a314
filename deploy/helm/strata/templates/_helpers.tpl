{{/* The CSI driver name: what the plugin reports in GetPluginInfo (IdentityService.DRIVER_NAME). */}}
{{- define "strata.driverName" -}}csi.strata.dev{{- end -}}

{{- define "strata.name" -}}strata{{- end -}}

{{- define "strata.labels" -}}
app.kubernetes.io/name: strata
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "strata.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{- define "strata.credentialsSecret" -}}
{{- .Values.store.credentials.existingSecret | default (printf "%s-s3" .Release.Name) -}}
{{- end -}}

{{- define "strata.hasCredentials" -}}
{{- if or .Values.store.credentials.existingSecret .Values.store.credentials.accessKey -}}true{{- end -}}
{{- end -}}

{{- define "strata.agentSecret" -}}
{{- .Values.agent.token.existingSecret | default (printf "%s-agent" .Release.Name) -}}
{{- end -}}

{{/* Store flags shared by the controller and the node. */}}
{{- define "strata.storeArgs" -}}
- --store={{ .Values.store.uri }}
- --s3-region={{ .Values.store.s3.region }}
{{- with .Values.store.s3.endpoint }}
- --s3-endpoint={{ . }}
{{- end }}
{{- if .Values.store.s3.pathStyle }}
- --s3-path-style
{{- end }}
- --agent-token-file=/etc/strata/agent/token
{{- end -}}

{{- define "strata.storeEnv" -}}
- name: STRATA_LOG_FORMAT
  value: {{ .Values.logFormat | quote }}
{{- if include "strata.hasCredentials" . }}
- name: STRATA_S3_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "strata.credentialsSecret" . }}
      key: access-key
- name: STRATA_S3_SECRET_KEY_FILE
  value: /etc/strata/s3/secret-key
{{- end }}
{{- end -}}

{{- define "strata.secretMounts" -}}
- name: agent-token
  mountPath: /etc/strata/agent
  readOnly: true
{{- if include "strata.hasCredentials" . }}
- name: s3-credentials
  mountPath: /etc/strata/s3
  readOnly: true
{{- end }}
{{- end -}}

{{- define "strata.secretVolumes" -}}
- name: agent-token
  secret:
    secretName: {{ include "strata.agentSecret" . }}
    defaultMode: 0400
    items:
      - {key: token, path: token}
{{- if include "strata.hasCredentials" . }}
- name: s3-credentials
  secret:
    secretName: {{ include "strata.credentialsSecret" . }}
    defaultMode: 0400
    items:
      - {key: secret-key, path: secret-key}
{{- end }}
{{- end -}}
