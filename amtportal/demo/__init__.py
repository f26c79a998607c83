"""The demo data of `make run` (`manage.py seed_demo`): staff logins, about forty members whose
certifications show every status, CCP cycle state, audit state and recertification application state,
invoices in every state, the letters.

One module per app, each writing only through its own app's services (and reading lower apps' models):

- `members.py`: staff logins, member profiles, fee payments, the daily status job, today's mail batch;
- `ccp.py`: certifications start with their cycle; CE claims, attestations, the daily cycle roll, proof
  for a recertification; the learning platform's API client;
- `billing.py`: paid, waived and refunded invoices, the issue and renewal-notice jobs; a renewal invoice
  left unpaid, and recertification fees paid by check;
- `audits.py`: the audit campaigns (started with the seed that selects the planned certifications), the
  audits' daily job, and what members (proof, extension requests) and the reviewer (decisions) did, with
  the proof documents of `documents.py`;
- `recert.py`: the recertification applications: what members (a route, activities, the felony question,
  the signature, exam answers, checking out) and the processor (claims and decisions) did, and the
  submission once the fee is paid.

The plan is plain data relative to today (`plan.py` its shapes, `timeline.py` one recipe per situation,
`audit_plan.py` the campaigns and one recipe per audit state, `recert_plan.py` one recipe per application
state, `people.py` the demo members); `replay.py`
replays every certification's life and the campaigns day by day, handing every step to the module of the
app that owns it; the command (`amtportal/management/commands/seed_demo.py`) runs the parts in layer order
and prints the logins.
"""
