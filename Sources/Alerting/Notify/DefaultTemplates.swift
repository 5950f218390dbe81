/// The templates every notification can use, as Alertmanager's `default.tmpl` names them
/// (`__subject`, `slack.default.title`, ...): each renders what Alertmanager's renders for the
/// same data, newline for newline (the integrations' differential tests compare them).
/// Written with explicit `"\n"` strings so the whitespace that is output is visible.
enum DefaultTemplates {
    static let text = #"""
        {{- define "__alertmanager" }}Alertmanager{{ end -}}
        {{- define "__alertmanagerURL" }}{{ .ExternalURL }}/#/alerts?receiver={{ urlquery .Receiver }}{{ end -}}
        {{- define "__subject" -}}
        [{{ toUpper .Status }}{{ if eq .Status "firing" }}:{{ len .Alerts.Firing }}{{ end }}] {{ join " " .GroupLabels.SortedPairs.Values }}{{ " " -}}
        {{ if gt (len .CommonLabels) (len .GroupLabels) }}({{ with .CommonLabels.Remove .GroupLabels.Names }}{{ join " " .Values }}{{ end }}){{ end -}}
        {{ end -}}
        {{- define "__description" }}{{ end -}}

        {{- define "__text_alert_list" -}}
        {{ range . -}}
        Labels:{{ "\n" }}{{ range .Labels.SortedPairs }} - {{ .Name }} = {{ .Value }}{{ "\n" }}{{ end -}}
        Annotations:{{ "\n" }}{{ range .Annotations.SortedPairs }} - {{ .Name }} = {{ .Value }}{{ "\n" }}{{ end -}}
        Source: {{ .GeneratorURL }}{{ "\n" }}
        {{- end }}
        {{- end -}}

        {{- define "__text_alert_list_markdown" -}}
        {{ range . -}}
        {{ "\n" }}Labels:{{ "\n" }}{{ range .Labels.SortedPairs }}  - {{ .Name }} = {{ .Value }}{{ "\n" }}{{ end -}}
        {{ "\n" }}Annotations:{{ "\n" }}{{ range .Annotations.SortedPairs }}  - {{ .Name }} = {{ .Value }}{{ "\n" }}{{ end -}}
        {{ "\n" }}Source: {{ .GeneratorURL }}{{ "\n" }}
        {{- end }}{{ "\n" }}
        {{- end -}}

        {{- /* The firing and resolved alerts as lists, each section framed by blank lines. */ -}}
        {{- define "__pharos_sections" -}}
        {{ "\n" }}{{ with .Alerts.Firing }}{{ "\nAlerts Firing:\n" }}{{ template "__text_alert_list" . }}{{ "\n" }}{{ end -}}
        {{ "\n" }}{{ with .Alerts.Resolved }}{{ "\nAlerts Resolved:\n" }}{{ template "__text_alert_list" . }}{{ "\n" }}{{ end -}}
        {{ "\n" }}
        {{- end -}}
        {{- define "__pharos_sections_markdown" -}}
        {{ "\n" }}{{ with .Alerts.Firing }}{{ "\n# Alerts Firing:\n" }}{{ template "__text_alert_list_markdown" . }}{{ "\n" }}{{ end -}}
        {{ "\n" }}{{ with .Alerts.Resolved }}{{ "\n# Alerts Resolved:\n" }}{{ template "__text_alert_list_markdown" . }}{{ "\n" }}{{ end -}}
        {{ "\n" }}
        {{- end -}}
        {{- /* The common annotations, then the sections without their framing lines. */ -}}
        {{- define "__pharos_summary_compact" -}}
        {{ join " " .CommonAnnotations.SortedPairs.Values }}{{ "\n" -}}
        {{ with .Alerts.Firing }}Alerts Firing:{{ "\n" }}{{ template "__text_alert_list" . }}{{ end }}{{ "\n" -}}
        {{ with .Alerts.Resolved }}Alerts Resolved:{{ "\n" }}{{ template "__text_alert_list" . }}{{ end -}}
        {{- end -}}
        {{- define "__pharos_summary" }}{{ join " " .CommonAnnotations.SortedPairs.Values }}{{ template "__pharos_sections" . }}{{ end -}}

        {{- define "slack.default.title" }}{{ template "__subject" . }}{{ end -}}
        {{- define "slack.default.username" }}{{ template "__alertmanager" . }}{{ end -}}
        {{- define "slack.default.fallback" }}{{ template "slack.default.title" . }} | {{ template "slack.default.titlelink" . }}{{ end -}}
        {{- define "slack.default.callbackid" }}{{ end -}}
        {{- define "slack.default.pretext" }}{{ end -}}
        {{- define "slack.default.titlelink" }}{{ template "__alertmanagerURL" . }}{{ end -}}
        {{- define "slack.default.iconemoji" }}{{ end -}}
        {{- define "slack.default.iconurl" }}{{ end -}}
        {{- define "slack.default.text" }}{{ end -}}
        {{- define "slack.default.footer" }}{{ end -}}
        {{- define "slack.default.color" }}{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}{{ end -}}

        {{- define "pagerduty.default.description" }}{{ template "__subject" . }}{{ end -}}
        {{- define "pagerduty.default.client" }}{{ template "__alertmanager" . }}{{ end -}}
        {{- define "pagerduty.default.clientURL" }}{{ template "__alertmanagerURL" . }}{{ end -}}
        {{- define "pagerduty.default.instances" }}{{ template "__text_alert_list" . }}{{ end -}}

        {{- define "opsgenie.default.message" }}{{ template "__subject" . }}{{ end -}}
        {{- define "opsgenie.default.description" }}{{ template "__pharos_summary_compact" . }}{{ end -}}
        {{- define "opsgenie.default.source" }}{{ template "__alertmanagerURL" . }}{{ end -}}

        {{- define "victorops.default.state_message" }}{{ template "__pharos_summary_compact" . }}{{ end -}}
        {{- define "victorops.default.entity_display_name" }}{{ template "__subject" . }}{{ end -}}
        {{- define "victorops.default.monitoring_tool" }}{{ template "__alertmanager" . }}{{ end -}}

        {{- define "pushover.default.title" }}{{ template "__subject" . }}{{ end -}}
        {{- define "pushover.default.message" }}{{ template "__pharos_summary" . }}{{ end -}}
        {{- define "pushover.default.url" }}{{ template "__alertmanagerURL" . }}{{ end -}}

        {{- define "sns.default.subject" }}{{ template "__subject" . }}{{ end -}}
        {{- define "sns.default.message" }}{{ template "__pharos_summary" . }}{{ end -}}

        {{- define "telegram.default.message" }}{{ template "__pharos_sections" . }}{{ end -}}

        {{- define "discord.default.content" }}{{ end -}}
        {{- define "discord.default.title" }}{{ template "__subject" . }}{{ end -}}
        {{- define "discord.default.message" }}{{ template "__pharos_sections" . }}{{ end -}}

        {{- define "webex.default.message" }}{{ template "__pharos_summary" . }}{{ end -}}

        {{- define "msteams.default.summary" }}{{ template "__subject" . }}{{ end -}}
        {{- define "msteams.default.title" }}{{ template "__subject" . }}{{ end -}}
        {{- define "msteams.default.text" }}{{ template "__pharos_sections_markdown" . }}{{ end -}}
        {{- define "msteamsv2.default.title" }}{{ template "__subject" . }}{{ end -}}
        {{- define "msteamsv2.default.text" }}{{ template "__pharos_sections_markdown" . }}{{ end -}}

        {{- define "email.default.subject" }}{{ template "__subject" . }}{{ end -}}
        {{- define "email.default.html" -}}
        <!DOCTYPE html>{{ "\n" -}}
        <html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><title>{{ template "__subject" . }}</title></head>{{ "\n" -}}
        <body style="font-family: Helvetica, Arial, sans-serif; font-size: 14px;">{{ "\n" -}}
        <table style="width: 100%; max-width: 600px; border: 1px solid #e9e9e9;">{{ "\n" -}}
        <tr><td style="padding: 16px; color: #fff; background-color: {{ if eq .Status "firing" }}#e45959{{ else }}#68b90f{{ end }};">
        {{- len .Alerts.Firing }} alert{{ if ne (len .Alerts.Firing) 1 }}s{{ end }} for {{ range .GroupLabels.SortedPairs }}{{ .Name }}={{ .Value }} {{ end }}</td></tr>{{ "\n" -}}
        <tr><td style="padding: 16px;"><a href="{{ template "__alertmanagerURL" . }}">View in {{ template "__alertmanager" . }}</a></td></tr>{{ "\n" -}}
        {{ with .Alerts.Firing }}<tr><td style="padding: 16px;"><strong>[{{ len . }}] Firing</strong></td></tr>{{ "\n" }}{{ template "__pharos_html_alerts" . }}{{ end -}}
        {{ with .Alerts.Resolved }}<tr><td style="padding: 16px;"><strong>[{{ len . }}] Resolved</strong></td></tr>{{ "\n" }}{{ template "__pharos_html_alerts" . }}{{ end -}}
        </table>{{ "\n" -}}
        <p style="color: #999; font-size: 12px;">Sent by {{ template "__alertmanager" . }}</p>{{ "\n" -}}
        </body></html>{{ "\n" -}}
        {{- end -}}
        {{- define "__pharos_html_alerts" }}{{ range . -}}
        <tr><td style="padding: 16px; border-top: 1px solid #e9e9e9;">Labels<br />{{ "\n" -}}
        {{ range .Labels.SortedPairs }}{{ .Name }} = {{ .Value }}<br />{{ "\n" }}{{ end -}}
        {{ if gt (len .Annotations) 0 }}Annotations<br />{{ "\n" }}{{ end -}}
        {{ range .Annotations.SortedPairs }}{{ .Name }} = {{ .Value }}<br />{{ "\n" }}{{ end -}}
        <a href="{{ .GeneratorURL }}">Source</a></td></tr>{{ "\n" -}}
        {{ end }}{{ end -}}
        """#
}
