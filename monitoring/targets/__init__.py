"""Collection by pull: targets (scrapes, HTTP and TCP checks), their schedule, the collectors,
and targets discovered from the CMDB through check templates.

- `models`: `Target` (what to collect, how often, and how it went last time) and
  `CheckTemplate` (CI class -> kind of check, for discovery).
- `services`: writes (create, update, delete, run now, discovery) and `selectors`: reads.
- `dispatch`: the beat-driven dispatcher that claims due targets and enqueues one task each.
- `scrape`, `probes`: the collectors themselves; they never raise for a failed target.
"""
