/// `alertmanager.yml` texts that Alertmanager accepts or refuses, shared by the Pharos tests
/// and the differential test against amtool. Only features Alertmanager 0.25 (Debian's amtool)
/// already had are used, so both versions agree on every case.
enum AlertmanagerCases {
    static let minimal = """
        route:
          receiver: default
        receivers:
          - name: default
        """

    /// A realistic routing tree: teams, severities, `continue`, regex matchers in both syntaxes,
    /// deprecated `match`/`match_re`, time intervals and inherited settings.
    static let routingTree = """
        global:
          resolve_timeout: 1m
          smtp_smarthost: 'mail.example.org:587'
          smtp_from: 'alertmanager@example.org'
          smtp_auth_username: alertmanager
          smtp_auth_password: s3cret
          slack_api_url: 'https://hooks.slack.com/services/T000/B000/XXXX'
        templates: ['templates/*.tmpl']
        route:
          receiver: default-mail
          group_by: [alertname, cluster]
          group_wait: 10s
          group_interval: 2m
          repeat_interval: 3h
          routes:
            - matchers: ['severity="page"']
              receiver: oncall-pager
              continue: true
            - matchers: ['team="database"']
              receiver: db-mail
              routes:
                - matchers: ['severity=~"critical|page"']
                  receiver: db-pager
                - match_re: {service: 'mysql|postgres'}
                  receiver: db-slack
                  group_by: ['...']
            - match: {team: frontend}
              receiver: frontend-slack
              continue: true
              routes:
                - matchers: ['env!="production"']
                  receiver: frontend-dev
            - matchers: [team=~"front.*", 'env="production"']
              receiver: frontend-prod
            - matchers: ['{service="api", env!~"dev|test"}']
              receiver: api-webhook
              mute_time_intervals: [weekends]
            - matchers: ['alertname="Watchdog"']
              receiver: deadman
              repeat_interval: 1m
              active_time_intervals: [business-hours]
            - matchers: ['cluster=~"eu-.*"', 'severity!="info"']
              receiver: eu-ops
              continue: true
            - matchers: ['cluster=~"eu-.*"']
              receiver: eu-ops-low
        receivers:
          - name: default-mail
            email_configs: [{to: 'ops@example.org'}]
          - name: oncall-pager
            pagerduty_configs: [{routing_key: 'abc123'}]
          - name: db-mail
            email_configs: [{to: 'db@example.org', send_resolved: true}]
          - name: db-pager
            pagerduty_configs: [{service_key: 'def456', severity: critical}]
          - name: db-slack
            slack_configs: [{channel: '#db'}]
          - name: frontend-slack
            slack_configs: [{channel: '#frontend', api_url: 'https://hooks.slack.com/services/T1/B1/YY'}]
          - name: frontend-dev
            webhook_configs: [{url: 'http://127.0.0.1:9999/dev'}]
          - name: frontend-prod
            webhook_configs: [{url: 'http://127.0.0.1:9999/prod', max_alerts: 10}]
          - name: api-webhook
            webhook_configs: [{url: 'https://hooks.example.org/api', send_resolved: false}]
          - name: deadman
            webhook_configs: [{url: 'http://127.0.0.1:9999/deadman'}]
          - name: eu-ops
          - name: eu-ops-low
        inhibit_rules:
          - source_matchers: [severity="critical"]
            target_matchers: [severity="warning"]
            equal: [alertname, cluster]
          - source_match: {alertname: ClusterDown}
            target_match_re: {alertname: '.+'}
            equal: [cluster]
        time_intervals:
          - name: weekends
            time_intervals:
              - weekdays: ['saturday', 'sunday']
          - name: business-hours
            time_intervals:
              - times: [{start_time: '09:00', end_time: '17:30'}]
                weekdays: ['monday:friday']
                location: 'Europe/Berlin'
        """

    /// Label sets for routing through `routingTree`, chosen to reach every branch.
    static let labelSets: [[String]] = [
        [],
        ["alertname=Foo"],
        ["severity=page"],
        ["severity=page", "team=database"],
        ["team=database"],
        ["team=database", "severity=critical"],
        ["team=database", "severity=warning", "service=mysql"],
        ["team=database", "service=postgres"],
        ["team=database", "service=mongo"],
        ["team=frontend"],
        ["team=frontend", "env=production"],
        ["team=frontend", "env=staging"],
        ["team=frontend-x", "env=production"],
        ["team=frontends", "env=staging"],
        ["service=api"],
        ["service=api", "env=dev"],
        ["service=api", "env=test"],
        ["service=api", "env=prod"],
        ["alertname=Watchdog"],
        ["alertname=Watchdog", "severity=page"],
        ["cluster=eu-west-1"],
        ["cluster=eu-west-1", "severity=info"],
        ["cluster=us-east-1", "severity=info"],
        ["cluster=eu-west-1", "team=database", "severity=page"],
        ["cluster=eu-central-1", "service=api", "env=production"],
        ["severity=page", "team=frontend", "env=dev"],
        ["team=DATABASE"],
        ["team=database", "severity=critical", "service=mysql"],
        ["alertname=watchdog"],
        ["cluster=eu-", "severity=warning"],
        ["service=api", "env="],
        ["severity=page", "cluster=eu-north-1", "team=frontend", "env=production"],
        ["team=\"database\"", "severity=\"critical\""],
        ["team=frontend", "team=database"],
        ["service = api", "env=prod"],
    ]

    static let valid: [(name: String, yaml: String)] = [
        ("minimal", minimal),
        ("routing tree", routingTree),
        ("empty global", "global:\n" + minimal),
        ("all timings", """
            route:
              receiver: a
              group_wait: 0s
              group_interval: 1m
              repeat_interval: 1d
              routes: [{receiver: a, group_wait: 1h30m}]
            receivers: [{name: a}]
            """),
        ("group by all", """
            route: {receiver: a, group_by: ['...']}
            receivers: [{name: a}]
            """),
        ("classic unquoted matchers", """
            route:
              receiver: a
              routes:
                - matchers: ['foo=bar', 'baz!=qux', 'x=~a.*', 'y!~"b|c"', 'z=""']
                  receiver: a
            receivers: [{name: a}]
            """),
        ("matchers in braces with commas", """
            route:
              receiver: a
              routes: [{receiver: a, matchers: ['{foo="bar", baz=~"q,ux"}']}]
            receivers: [{name: a}]
            """),
        ("webhook with basic auth", """
            route: {receiver: a}
            receivers:
              - name: a
                webhook_configs: [{url: 'https://127.0.0.1:8443/x', http_config: {basic_auth: {username: u, password: p}}}]
            """),
        ("email with receiver smtp", """
            route: {receiver: a}
            receivers:
              - name: a
                email_configs:
                  - to: a@example.org
                    from: b@example.org
                    smarthost: 'smtp.example.org:25'
                    require_tls: false
                    headers: {Subject: 'hi', reply-to: 'c@example.org'}
            """),
        ("slack with global url file", """
            global: {slack_api_url_file: /etc/am/slack}
            route: {receiver: a}
            receivers:
              - name: a
                slack_configs:
                  - channel: '#x'
                    fields: [{title: t, value: v, short: true}]
                    actions: [{type: button, text: Open, url: 'https://example.org'}]
            """),
        ("pagerduty v2 with images and links", """
            route: {receiver: a}
            receivers:
              - name: a
                pagerduty_configs:
                  - routing_key: k
                    images: [{src: 'https://example.org/a.png', alt: a, href: 'https://example.org'}]
                    links: [{href: 'https://example.org', text: x}]
                    details: {a: b}
            """),
        ("opsgenie with global key", """
            global: {opsgenie_api_key: k}
            route: {receiver: a}
            receivers:
              - name: a
                opsgenie_configs: [{responders: [{name: team-a, type: team}], priority: P1}]
            """),
        ("victorops and pushover", """
            global: {victorops_api_key: k}
            route: {receiver: a}
            receivers:
              - name: a
                victorops_configs: [{routing_key: r, custom_fields: {x: y}}]
                pushover_configs: [{user_key: u, token: t, retry: 30s}]
            """),
        ("telegram and discord and webex", """
            route: {receiver: a}
            receivers:
              - name: a
                telegram_configs: [{bot_token: t, chat_id: 42, parse_mode: MarkdownV2}]
                discord_configs: [{webhook_url: 'https://discord.example.org/api/webhooks/1'}]
                webex_configs: [{room_id: r, http_config: {authorization: {credentials: c}}}]
            """),
        ("sns and wechat", """
            global: {wechat_api_secret: s, wechat_api_corp_id: c}
            route: {receiver: a}
            receivers:
              - name: a
                sns_configs: [{topic_arn: 'arn:aws:sns:us-east-1:1:t', sigv4: {region: us-east-1}}]
                wechat_configs: [{message_type: markdown}]
            """),
        ("time intervals full", """
            route:
              receiver: a
              routes: [{receiver: a, mute_time_intervals: [t, old]}]
            receivers: [{name: a}]
            mute_time_intervals:
              - name: old
                time_intervals: [{weekdays: [Saturday]}]
            time_intervals:
              - name: t
                time_intervals:
                  - times: [{start_time: '00:00', end_time: '24:00'}]
                    days_of_month: ['1:5', '-3:-1', '10', '5:-1']
                    months: ['January:march', '12', '13']
                    years: ['2024:2030']
                    location: UTC
                  - weekdays: ['Monday:FRIDAY']
                    years: ['-5', '0']
                    location: ''
                  - location: Local
                  - location: America/New_York
            """),
        ("inhibit rules deprecated keys", """
            route: {receiver: a}
            receivers: [{name: a}]
            inhibit_rules:
              - source_match: {severity: critical}
                source_match_re: {alertname: 'A|B'}
                target_match: {severity: warning}
                equal: [instance]
            """),
        ("yaml alias", """
            route:
              receiver: a
              routes:
                - &r {receiver: a, matchers: ['a="b"']}
                - *r
            receivers: [{name: a}]
            """),
        ("opsgenie templated responder and sigv4", """
            route: {receiver: a}
            receivers:
              - name: a
                opsgenie_configs: [{api_key: k, responders: [{name: x, type: Team}, {id: y, type: '{{ .x }}'}]}]
                sns_configs: [{topic_arn: t, sigv4: {region: x, access_key: y, secret_key: z, role_arn: r, profile: p}}]
            """),
        ("pushover full and ipv6 smarthost", """
            global: {smtp_smarthost: '[::1]:25', smtp_from: a@example.org}
            route: {receiver: a}
            receivers:
              - name: a
                pushover_configs: [{user_key: u, token: t, priority: 2, retry: 10s, expire: 1h, html: true}]
                email_configs: [{to: b@example.org}]
            """),
        ("http config on global", """
            global:
              http_config:
                tls_config: {insecure_skip_verify: true}
                proxy_url: 'http://127.0.0.1:3128'
            route: {receiver: a}
            receivers: [{name: a, webhook_configs: [{url: 'http://127.0.0.1/'}]}]
            """),
    ]

    static let invalid: [(name: String, yaml: String, message: String)] = [
        ("empty file", "", "no route"),
        ("no route", "receivers: [{name: a}]", "no routes provided"),
        ("unknown top key", "foo: 1\n" + minimal, "field foo not found"),
        ("unknown route key", "route: {receiver: a, recevier: b}\nreceivers: [{name: a}]", "field recevier not found"),
        ("root without receiver", "route: {group_by: [a]}\nreceivers: [{name: a}]", "root route must specify a default receiver"),
        ("root with matchers", "route: {receiver: a, matchers: ['a=b']}\nreceivers: [{name: a}]", "root route must not have any matchers"),
        ("root with continue", "route: {receiver: a, continue: true}\nreceivers: [{name: a}]", "cannot have continue in root route"),
        ("only comments", "   \n# nothing\n", "no route provided in config"),
        ("null route", "route:\nreceivers: [{name: a}]", "no routes provided"),
        ("root with match", "route: {receiver: a, match: {a: b}}\nreceivers: [{name: a}]", "root route must not have any matchers"),
        ("root with mute intervals", """
            route: {receiver: a, mute_time_intervals: [t]}
            receivers: [{name: a}]
            time_intervals: [{name: t, time_intervals: [{weekdays: [monday]}]}]
            """, "root route must not have any mute time intervals"),
        ("undefined receiver", "route: {receiver: a, routes: [{receiver: b}]}\nreceivers: [{name: a}]", "undefined receiver \"b\" used in route"),
        ("duplicate receiver", "route: {receiver: a}\nreceivers: [{name: a}, {name: a}]", "notification config name \"a\" is not unique"),
        ("receiver without name", "route: {receiver: a}\nreceivers: [{name: a}, {webhook_configs: []}]", "missing name in receiver"),
        ("undefined time interval", "route: {receiver: a, routes: [{receiver: a, mute_time_intervals: [nope]}]}\nreceivers: [{name: a}]",
         "undefined time interval \"nope\" used in route"),
        ("duplicate time interval", """
            route: {receiver: a}
            receivers: [{name: a}]
            time_intervals: [{name: t, time_intervals: []}, {name: t, time_intervals: []}]
            """, "time interval \"t\" is not unique"),
        ("group_by wildcard with others", "route: {receiver: a, group_by: ['...', a]}\nreceivers: [{name: a}]", "cannot have wildcard group_by"),
        ("group_by duplicate", "route: {receiver: a, group_by: [a, a]}\nreceivers: [{name: a}]", "duplicated label \"a\" in group_by"),
        ("group_interval zero", "route: {receiver: a, group_interval: 0s}\nreceivers: [{name: a}]", "group_interval cannot be zero"),
        ("repeat_interval zero", "route: {receiver: a, repeat_interval: 0m}\nreceivers: [{name: a}]", "repeat_interval cannot be zero"),
        ("bad duration", "route: {receiver: a, group_wait: 5 minutes}\nreceivers: [{name: a}]", "line 1"),
        ("bad matcher quote", "route: {receiver: a, routes: [{receiver: a, matchers: ['a=\"b']}]}\nreceivers: [{name: a}]", "bad matcher"),
        ("bad matcher regex", "route: {receiver: a, routes: [{receiver: a, matchers: ['a=~\"(\"']}]}\nreceivers: [{name: a}]", "bad matcher"),
        ("bad match_re", "route: {receiver: a, routes: [{receiver: a, match_re: {a: '('}}]}\nreceivers: [{name: a}]", "error parsing regexp"),
        ("bad match label name", "route: {receiver: a, routes: [{receiver: a, match: {'a-b': c}}]}\nreceivers: [{name: a}]", "invalid label name \"a-b\""),
        ("webhook without url", "route: {receiver: a}\nreceivers: [{name: a, webhook_configs: [{send_resolved: true}]}]", "one of url or url_file must be configured"),
        ("webhook url and file", "route: {receiver: a}\nreceivers: [{name: a, webhook_configs: [{url: 'http://a/', url_file: f}]}]", "at most one of url & url_file"),
        ("webhook bad scheme", "route: {receiver: a}\nreceivers: [{name: a, webhook_configs: [{url: 'ftp://a/'}]}]", "unsupported scheme \"ftp\""),
        ("webhook unknown key", "route: {receiver: a}\nreceivers: [{name: a, webhook_configs: [{url: 'http://a/', urll: x}]}]", "field urll not found"),
        ("email without to", "global: {smtp_smarthost: 'a:25', smtp_from: a@b}\nroute: {receiver: a}\nreceivers: [{name: a, email_configs: [{from: x@y}]}]",
         "missing to address in email config"),
        ("email without smarthost", "route: {receiver: a}\nreceivers: [{name: a, email_configs: [{to: x@y, from: x@y}]}]", "no global SMTP smarthost set"),
        ("email without from", "global: {smtp_smarthost: 'a:25'}\nroute: {receiver: a}\nreceivers: [{name: a, email_configs: [{to: x@y}]}]",
         "no global SMTP from set"),
        ("smarthost without port", "global: {smtp_smarthost: 'mail.example.org'}\nroute: {receiver: a}\nreceivers: [{name: a}]", "missing port"),
        ("slack without url", "route: {receiver: a}\nreceivers: [{name: a, slack_configs: [{channel: x}]}]", "no global Slack API URL set"),
        ("slack url and file", "global: {slack_api_url: 'https://a/', slack_api_url_file: f}\nroute: {receiver: a}\nreceivers: [{name: a}]",
         "at most one of slack_api_url & slack_api_url_file"),
        ("slack action without type", """
            global: {slack_api_url: 'https://a/'}
            route: {receiver: a}
            receivers: [{name: a, slack_configs: [{actions: [{text: t, url: 'https://a/'}]}]}]
            """, "missing type in Slack action configuration"),
        ("pagerduty without key", "route: {receiver: a}\nreceivers: [{name: a, pagerduty_configs: [{severity: x}]}]", "missing service or routing key"),
        ("opsgenie without key", "route: {receiver: a}\nreceivers: [{name: a, opsgenie_configs: [{message: m}]}]", "no global OpsGenie API Key set"),
        ("victorops without routing key", "global: {victorops_api_key: k}\nroute: {receiver: a}\nreceivers: [{name: a, victorops_configs: [{}]}]",
         "missing Routing key in VictorOps config"),
        ("pushover without token", "route: {receiver: a}\nreceivers: [{name: a, pushover_configs: [{user_key: u}]}]", "token"),
        ("telegram without chat", "route: {receiver: a}\nreceivers: [{name: a, telegram_configs: [{bot_token: t}]}]", "missing chat_id"),
        ("webex without room", "route: {receiver: a}\nreceivers: [{name: a, webex_configs: [{http_config: {authorization: {credentials: c}}}]}]", "missing room_id"),
        ("discord without url", "route: {receiver: a}\nreceivers: [{name: a, discord_configs: [{title: t}]}]", "no discord webhook URL"),
        ("sns without target", "route: {receiver: a}\nreceivers: [{name: a, sns_configs: [{subject: s}]}]", "must provide either a Target ARN"),
        ("opsgenie responder without name", "route: {receiver: a}\nreceivers: [{name: a, opsgenie_configs: [{api_key: k, responders: [{type: team}]}]}]",
         "opsGenieConfig responder {   team} has to have at least one of id, username or name specified"),
        ("opsgenie responder type", "route: {receiver: a}\nreceivers: [{name: a, opsgenie_configs: [{api_key: k, responders: [{name: x, type: squad}]}]}]",
         "type does not match valid options"),
        ("opsgenie responder unknown key", "route: {receiver: a}\nreceivers: [{name: a, opsgenie_configs: [{api_key: k, responders: [{name: x, type: team, foo: 1}]}]}]",
         "field foo not found"),
        ("sns sigv4 unknown key", "route: {receiver: a}\nreceivers: [{name: a, sns_configs: [{topic_arn: t, sigv4: {region: x, foo: y}}]}]",
         "field foo not found in type sigv4.SigV4Config"),
        ("sns sigv4 access key alone", "route: {receiver: a}\nreceivers: [{name: a, sns_configs: [{topic_arn: t, sigv4: {region: x, access_key: y}}]}]",
         "must provide a AWS SigV4 Access key and Secret Key"),
        ("sns two targets", "route: {receiver: a}\nreceivers: [{name: a, sns_configs: [{topic_arn: t, phone_number: p}]}]",
         "must provide either a Target ARN"),
        ("victorops reserved custom field", "route: {receiver: a}\nreceivers: [{name: a, victorops_configs: [{api_key: k, routing_key: r, custom_fields: {entity_state: x}}]}]",
         "custom field entity_state which cannot be used"),
        ("telegram parse mode", "route: {receiver: a}\nreceivers: [{name: a, telegram_configs: [{bot_token: t, chat_id: 1, parse_mode: Text}]}]",
         "unknown parse_mode on telegram_config"),
        ("wechat message type", "route: {receiver: a}\nreceivers: [{name: a, wechat_configs: [{api_secret: s, corp_id: c, message_type: html}]}]",
         "does not match valid options ^(text|markdown)$"),
        ("email duplicate header", "route: {receiver: a}\nreceivers: [{name: a, email_configs: [{to: a, from: b, smarthost: 'a:1', headers: {Subject: a, subject: b}}]}]",
         "duplicate header \"Subject\" in email config"),
        ("slack field without value", "route: {receiver: a}\nreceivers: [{name: a, slack_configs: [{api_url: 'https://a/', fields: [{title: t}]}]}]",
         "missing value in Slack field configuration"),
        ("slack action without url or name", "route: {receiver: a}\nreceivers: [{name: a, slack_configs: [{api_url: 'https://a/', actions: [{type: button, text: t}]}]}]",
         "missing name or url in Slack action configuration"),
        ("webex without authorization", "route: {receiver: a}\nreceivers: [{name: a, webex_configs: [{room_id: r}]}]",
         "missing webex_configs.http_config.authorization"),
        ("negative max alerts", "route: {receiver: a}\nreceivers: [{name: a, webhook_configs: [{url: 'http://a/', max_alerts: -1}]}]", "cannot unmarshal"),
        ("url without host", "route: {receiver: a}\nreceivers: [{name: a, webhook_configs: [{url: 'http://'}]}]", "missing host for URL"),
        ("pagerduty url scheme", "route: {receiver: a}\nreceivers: [{name: a, pagerduty_configs: [{routing_key: k, url: 'ftp://x'}]}]",
         "unsupported scheme \"ftp\" for URL"),
        ("smarthost too many colons", "global: {smtp_smarthost: 'a:25:26'}\nroute: {receiver: a}\nreceivers: [{name: a}]", "too many colons"),
        ("smarthost empty port", "global: {smtp_smarthost: 'a:'}\nroute: {receiver: a}\nreceivers: [{name: a}]", "port cannot be empty"),
        ("unknown integration", "route: {receiver: a}\nreceivers: [{name: a, carrier_pigeon_configs: [{}]}]", "field carrier_pigeon_configs not found"),
        ("time range reversed", """
            route: {receiver: a}
            receivers: [{name: a}]
            time_intervals: [{name: t, time_intervals: [{times: [{start_time: '18:00', end_time: '09:00'}]}]}]
            """, "start time cannot be equal or greater than end time"),
        ("time bad format", """
            route: {receiver: a}
            receivers: [{name: a}]
            time_intervals: [{name: t, time_intervals: [{times: [{start_time: '9:00', end_time: '10:00'}]}]}]
            """, "couldn't parse timestamp 9:00"),
        ("bad weekday", """
            route: {receiver: a}
            receivers: [{name: a}]
            time_intervals: [{name: t, time_intervals: [{weekdays: [funday]}]}]
            """, "funday is not a valid weekday"),
        ("weekday range reversed", """
            route: {receiver: a}
            receivers: [{name: a}]
            time_intervals: [{name: t, time_intervals: [{weekdays: ['friday:monday']}]}]
            """, "start day cannot be before end day"),
        ("day of month zero", """
            route: {receiver: a}
            receivers: [{name: a}]
            time_intervals: [{name: t, time_intervals: [{days_of_month: ['0']}]}]
            """, "0 is not a valid day of the month"),
        ("month name abbreviated", """
            route: {receiver: a}
            receivers: [{name: a}]
            time_intervals: [{name: t, time_intervals: [{months: ['jan']}]}]
            """, "jan is not a valid month"),
        ("month range reversed", """
            route: {receiver: a}
            receivers: [{name: a}]
            time_intervals: [{name: t, time_intervals: [{months: ['december:january']}]}]
            """, "end month 1 is before start month 12"),
        ("year range reversed", """
            route: {receiver: a}
            receivers: [{name: a}]
            time_intervals: [{name: t, time_intervals: [{years: ['2030:2020']}]}]
            """, "end year 2020 is before start year 2030"),
        ("days negative start positive end", """
            route: {receiver: a}
            receivers: [{name: a}]
            time_intervals: [{name: t, time_intervals: [{days_of_month: ['-1:5']}]}]
            """, "end day must be negative if start day is negative"),
        ("days always empty", """
            route: {receiver: a}
            receivers: [{name: a}]
            time_intervals: [{name: t, time_intervals: [{days_of_month: ['1:-31']}]}]
            """, "end day -31 is always before start day 1"),
        ("numeric weekday", """
            route: {receiver: a}
            receivers: [{name: a}]
            time_intervals: [{name: t, time_intervals: [{weekdays: ['1']}]}]
            """, "1 is not a valid weekday"),
        ("weekday range of three", """
            route: {receiver: a}
            receivers: [{name: a}]
            time_intervals: [{name: t, time_intervals: [{weekdays: ['monday:tuesday:friday']}]}]
            """, "couldn't parse range"),
        ("end time past midnight", """
            route: {receiver: a}
            receivers: [{name: a}]
            time_intervals: [{name: t, time_intervals: [{times: [{start_time: '00:00', end_time: '24:01'}]}]}]
            """, "couldn't parse timestamp 24:01"),
        ("missing end time", """
            route: {receiver: a}
            receivers: [{name: a}]
            time_intervals: [{name: t, time_intervals: [{times: [{start_time: '00:00'}]}]}]
            """, "both start and end times must be provided"),
        ("lower-case utc", """
            route: {receiver: a}
            receivers: [{name: a}]
            time_intervals: [{name: t, time_intervals: [{location: utc}]}]
            """, "unknown time zone"),
        ("zone directory", """
            route: {receiver: a}
            receivers: [{name: a}]
            time_intervals: [{name: t, time_intervals: [{location: Europe}]}]
            """, "unknown time zone"),
        ("zone path escape", """
            route: {receiver: a}
            receivers: [{name: a}]
            time_intervals: [{name: t, time_intervals: [{location: '../etc/passwd'}]}]
            """, "unknown time zone"),
        ("bad location", """
            route: {receiver: a}
            receivers: [{name: a}]
            time_intervals: [{name: t, time_intervals: [{location: 'Mars/Olympus_Mons'}]}]
            """, "unknown time zone"),
        ("unknown time interval key", """
            route: {receiver: a}
            receivers: [{name: a}]
            time_intervals: [{name: t, time_intervals: [{hours: ['1']}]}]
            """, "field hours not found"),
        ("inhibit bad equal type", "route: {receiver: a}\nreceivers: [{name: a}]\ninhibit_rules: [{equal: {a: b}}]", "cannot unmarshal"),
        ("inhibit bad matcher", "route: {receiver: a}\nreceivers: [{name: a}]\ninhibit_rules: [{source_matchers: ['a=\"']}]", "bad matcher"),
        ("route list not map", "route: [a]\nreceivers: [{name: a}]", "cannot unmarshal"),
        ("not yaml", "route: {receiver: a\n", "yaml"),
    ]
}
