{{- /*
  ## About
  panhub.checks: what values.schema.json cannot say readably, checked when the chart
  renders (helm install, upgrade and template all stop with the message). Included by
  templates/hub/configmap.yaml, which every render has.
*/}}
{{- define "panhub.checks" -}}
{{- range $where, $image := dict "hub.image" .Values.hub.image "singleuser.image" .Values.singleuser.image "proxy.chp.image" .Values.proxy.chp.image }}
{{- if eq $image.tag "latest" }}
{{- fail (printf "%s.tag: \"latest\" is refused: give a version, so that every pod runs the same image" $where) }}
{{- end }}
{{- end }}
{{- if eq .Values.spawner.mode "kubernetes" }}
{{- $enabled := list }}
{{- range $name, $profile := .Values.singleuser.profiles }}
{{- if (dig "enabled" true $profile) }}{{ $enabled = append $enabled $name }}{{ end }}
{{- end }}
{{- if not $enabled }}
{{- fail "singleuser.profiles: no profile is enabled: the form would offer nothing to start" }}
{{- end }}
{{- if not (has .Values.singleuser.defaultProfile $enabled) }}
{{- fail (printf "singleuser.defaultProfile: %q is not an enabled profile; enabled: %s" .Values.singleuser.defaultProfile (join ", " $enabled)) }}
{{- end }}
{{- end }}
{{- if gt (int .Values.slurm.serverPorts.from) (int .Values.slurm.serverPorts.to) }}
{{- fail "slurm.serverPorts: from is above to" }}
{{- end }}
{{- end }}
