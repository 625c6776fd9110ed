{{- /*
  panhub.catalogue.env: what a hub gives its services (as panhub.demo.catalogue_env),
  for the catalogue's containers. Needs (dict "root" $ "hub" name "prefix" url "scopes" json).
*/}}
{{- define "panhub.catalogue.env" -}}
{{- $root := .root -}}
- name: HOME
  value: /srv/catalogue
- name: JUPYTERHUB_API_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ .hub }}
      key: catalogue.apiToken
- name: JUPYTERHUB_API_URL
  value: http://{{ .hub }}:8081{{ $root.Values.hub.baseUrl | trimSuffix "/" }}/hub/api
- name: JUPYTERHUB_BASE_URL
  value: {{ $root.Values.hub.baseUrl | quote }}
- name: JUPYTERHUB_CLIENT_ID
  value: service-catalogue
- name: JUPYTERHUB_HOST
  value: ""
- name: JUPYTERHUB_OAUTH_CALLBACK_URL
  value: {{ .prefix }}oauth_callback
- name: JUPYTERHUB_OAUTH_SCOPES
  value: {{ .scopes | quote }}
- name: JUPYTERHUB_OAUTH_ACCESS_SCOPES
  value: {{ .scopes | quote }}
- name: JUPYTERHUB_SERVICE_NAME
  value: catalogue
- name: JUPYTERHUB_SERVICE_PREFIX
  value: {{ .prefix }}
- name: JUPYTERHUB_SERVICE_URL
  value: http://0.0.0.0:8090
- name: PANHUB_PROPOSALS_ROOT
  value: {{ $root.Values.proposals.root | quote }}
- name: PANHUB_CATALOGUE_DB_URL
{{- if eq $root.Values.catalogue.db.type "postgres" }}
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.catalogue.db.urlSecret.name }}
      key: {{ $root.Values.catalogue.db.urlSecret.key }}
{{- else }}
  value: sqlite:////srv/catalogue/catalogue.sqlite
{{- end }}
{{- end }}
