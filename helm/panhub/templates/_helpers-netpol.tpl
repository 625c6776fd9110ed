{{- /*
  ## About
  Pieces of the NetworkPolicies. Every pod of the release is denied every flow
  (netpol-default-deny.yaml) but those its component's policy opens, which are the
  flows the design draws (README, "On Kubernetes"): browser -> proxy; proxy -> hub,
  servers, catalogue; hub -> proxy API, API server or SLURM, servers, catalogue;
  servers -> hub API, catalogue; catalogue -> hub API; every pod -> DNS.

  ## Declared helpers
  - panhub.netpol.peer     | podSelector of a component's pods (dict "componentLabel" ...)
  - panhub.netpol.ipRule   | an egress rule to CIDRs and ports; NOTHING when there are no
                           | CIDRs (an empty "to" would open every destination)
  - panhub.netpol.dns      | egress to the cluster's DNS pods, port 53
*/}}

{{- define "panhub.netpol.peer" -}}
- podSelector:
    matchLabels:
      {{- include "panhub.matchLabels" . | nindent 6 }}
{{- end }}

{{- /* (dict "cidrs" list "ports" list "endPort" int-or-nil "comment" text) */}}
{{- define "panhub.netpol.ipRule" -}}
{{- if .cidrs }}
# {{ .comment }}
- to:
    {{- range .cidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
  ports:
    {{- range .ports }}
    - port: {{ . }}
      protocol: TCP
      {{- with $.endPort }}
      endPort: {{ . }}
      {{- end }}
    {{- end }}
{{- end }}
{{- end }}

{{- define "panhub.netpol.dns" -}}
# --> the cluster's DNS
- to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: {{ .Values.networkPolicy.dnsNamespace }}
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end }}
