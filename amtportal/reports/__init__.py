"""The board's reports (issue 13, Reports): pages that put together each app's aggregate reads (the
`reports` module of members, billing, ccp, audits and recert), with charts drawn on the server as SVG and
every table exportable as CSV and XLSX. Administrators only."""
