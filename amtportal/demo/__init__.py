"""The demo data of `make run` (`manage.py seed_demo`): staff logins, about twenty members whose
certifications show every status and CCP cycle state, invoices in every state, today's letters.

One module per app, each writing only through its own app's services (and reading lower apps' models):

- `members.py`: staff logins, member profiles, fee payments, the daily status job, today's mail batch;
- `ccp.py`: certifications start and are reinstated with their cycle; CE claims, attestations, the daily
  cycle roll; the learning platform's API client;
- `billing.py`: paid, waived and refunded invoices, the issue and renewal-notice jobs.

The plan is plain data relative to today (`plan.py` its shapes, `timeline.py` one recipe per situation,
`people.py` the demo members); `replay.py` replays each certification's life, handing every step to the
module of the app that owns it; the command (`amtportal/management/commands/seed_demo.py`) runs the parts
in layer order and prints the logins. audits and recert add a module each, and their steps to
`replay.STEPS`.
"""
