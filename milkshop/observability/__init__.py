"""Request ids, structured logs and Prometheus metrics for the web and task processes.

- `context`: the current request id (a contextvar), shared by logs and tasks.
- `logs`: the logging filter and the JSON / text formatters named in settings.LOGGING.
- `middleware`: one log line and one metrics observation per request.
- `receivers`: django-q2 signals that carry the request id into tasks and count task outcomes.
- `metrics` and `views`: the metrics and the access-controlled `/metrics` page.

Nothing here is imported by the logging configuration except `context` and `logs`, which stay free of
Django models so that `LOGGING` can name them before the apps are loaded.
"""
