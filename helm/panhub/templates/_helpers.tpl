{{- /*
  ## About
  Helpers that name, label and select the objects of this chart, in the way of
  zero-to-jupyterhub-k8s (z2jh): a template's component is the folder it lives in
  (templates/hub/* -> hub), and every object carries z2jh's `component` label and the
  modern app.kubernetes.io/* labels.

  ## Declared helpers
  - panhub.appLabel        | the chart's name (nameOverride)
  - panhub.componentLabel  | .componentLabel, else the template's folder
  - panhub.matchLabels     | component, app.kubernetes.io/name, app.kubernetes.io/instance
  - panhub.podLabels       | matchLabels + app.kubernetes.io/component (a pod's)
  - panhub.labels          | podLabels + helm.sh/chart, app.kubernetes.io/managed-by
  - panhub.fullname        | the prefix of every name (fullnameOverride, z2jh's rules)
  - panhub.<object>.fullname | one per named object, listed in panhub.name-templates
  - panhub.image           | "name:tag" of an image value
  - panhub.podSecurity     | the restricted pod security context every pod gets
  - panhub.secretValue     | a value from .Values, else the existing Secret, else random

  ## Passing a component to a helper
    {{- $_ := merge (dict "componentLabel" "proxy") . }}
    {{- include "panhub.matchLabels" $_ | nindent 6 }}
*/}}

{{- define "panhub.appLabel" -}}
{{ .Values.nameOverride | default .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "panhub.componentLabel" -}}
{{- $file := .Template.Name | base | trimSuffix ".yaml" -}}
{{- $parent := .Template.Name | dir | base | trimPrefix "templates" -}}
{{- .componentLabel | default $parent | default $file -}}
{{- end }}

{{- define "panhub.matchLabels" -}}
component: {{ include "panhub.componentLabel" . }}
app.kubernetes.io/name: {{ include "panhub.appLabel" . | quote }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
{{- end }}

{{- /* a pod's labels: no chart version, so that an upgrade alone restarts nothing */}}
{{- define "panhub.podLabels" -}}
{{ include "panhub.matchLabels" . }}
app.kubernetes.io/component: {{ include "panhub.componentLabel" . }}
{{- end }}

{{- define "panhub.labels" -}}
{{ include "panhub.matchLabels" . }}
app.kubernetes.io/component: {{ include "panhub.componentLabel" . }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- /* fullnameOverride "" (the default): bare names (hub, proxy-public...), as z2jh */}}
{{- define "panhub.fullname" -}}
{{- if eq (typeOf .Values.fullnameOverride) "string" }}
{{- .Values.fullnameOverride }}
{{- else }}
{{- $name := .Values.nameOverride | default .Chart.Name }}
{{- if contains $name .Release.Name }}{{ .Release.Name }}{{ else }}{{ .Release.Name }}-{{ $name }}{{ end }}
{{- end }}
{{- end }}

{{- define "panhub.fullname.dash" -}}
{{- with (include "panhub.fullname" .) }}{{ . }}-{{ end }}
{{- end }}

{{- define "panhub.hub.fullname" -}}{{ include "panhub.fullname.dash" . }}hub{{- end }}
{{- define "panhub.hub-pvc.fullname" -}}{{ include "panhub.hub.fullname" . }}-db-dir{{- end }}
{{- define "panhub.proxy.fullname" -}}{{ include "panhub.fullname.dash" . }}proxy{{- end }}
{{- define "panhub.proxy-api.fullname" -}}{{ include "panhub.proxy.fullname" . }}-api{{- end }}
{{- define "panhub.proxy-public.fullname" -}}{{ include "panhub.proxy.fullname" . }}-public{{- end }}
{{- define "panhub.catalogue.fullname" -}}{{ include "panhub.fullname.dash" . }}catalogue{{- end }}
{{- define "panhub.catalogue-pvc.fullname" -}}{{ include "panhub.catalogue.fullname" . }}-db-dir{{- end }}
{{- define "panhub.singleuser.fullname" -}}{{ include "panhub.fullname.dash" . }}singleuser{{- end }}
{{- define "panhub.default-deny.fullname" -}}{{ include "panhub.fullname.dash" . }}default-deny{{- end }}
{{- define "panhub.ingress.fullname" -}}{{ include "panhub.fullname" . | default "panhub" }}{{- end }}

{{- /* the names, for the hub's ConfigMap (files/hub/chart.py get_name) */}}
{{- define "panhub.name-templates" -}}
hub: {{ include "panhub.hub.fullname" . | quote }}
proxy-api: {{ include "panhub.proxy-api.fullname" . | quote }}
proxy-public: {{ include "panhub.proxy-public.fullname" . | quote }}
catalogue: {{ include "panhub.catalogue.fullname" . | quote }}
{{- end }}

{{- define "panhub.image" -}}
{{ .name }}:{{ .tag }}
{{- end }}

{{- /*
  The pod-level part of the restricted Pod Security Standard: non-root, seccomp
  RuntimeDefault. Containers add theirs (panhub.containerSecurity).
*/}}
{{- define "panhub.podSecurity" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .gid }}
fsGroup: {{ .gid }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "panhub.containerSecurity" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- /*
  panhub.secretValue (list $ "key in the hub Secret" explicitValue):
    1. the value set in the chart's values, 2. the value the hub Secret already holds
    (helm upgrade), 3. 64 new random hex characters.
*/}}
{{- define "panhub.secretValue" -}}
{{- $root := index . 0 }}
{{- $key := index . 1 }}
{{- $explicit := index . 2 }}
{{- if $explicit }}
{{- $explicit }}
{{- else }}
{{- $state := lookup "v1" "Secret" $root.Release.Namespace (include "panhub.hub.fullname" $root) | default (dict "data" (dict)) }}
{{- if hasKey $state.data $key }}
{{- index $state.data $key | b64dec }}
{{- else }}
{{- include "panhub.randHex" 64 }}
{{- end }}
{{- end }}
{{- end }}

{{- /* z2jh's randHex: N random hexadecimal characters */}}
{{- define "panhub.randHex" -}}
{{- $result := "" }}
{{- range $i := until . }}
{{- $result = print $result (mod (randNumeric 4 | atoi) 16 | printf "%x") }}
{{- end }}
{{- $result }}
{{- end }}
