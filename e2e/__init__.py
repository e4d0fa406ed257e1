"""cookie-matrix's browser side: the case matrix (cases.py), the oracle (oracle/), the harness (harness/), the report
(report/), the explain command (explain.py, verify.py) and the browser tests (tests/)."""
