"""Module Q (资质备案): operations over applications, qualifications and certificates (SPEC §3).

- state.py: database rows -> the plain dataclasses the rules read (read at call time)
- records.py: applications as plain dicts (form prefill, API answers, snapshots) and their child rows
- operations.py: save, delete and submit an application; customs transitions (Q-19..Q-21)
- approval.py: what an approval changes (Q-22, Q-24..Q-26, C-3)
- certificates.py: 备案证明 requests, issuing, download state (Q-28)
- queries.py: application query, filing query, checklist, annual-report eligibility, expiry sweep
- uploads.py: attachments (Q-18)
- pdf.py: 《报关单位备案信息表》 and 《报关单位备案证明》 (P-1, P-2)
- cli.py: `flask --app wsgi expire-qualifications`
"""
