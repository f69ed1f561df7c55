"""The security audit log and the tamper evidence of the records (issue 13 items 7 and 8)."""
