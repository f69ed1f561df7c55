"""Backups: one .tar.gz with the database, every attachment and ledger evidence file, and a manifest.

archive.py writes, checks and restores archives; databases.py dumps and restores each database kind.
"""


class BackupError(Exception):
    """A backup, restore or verify that cannot go on: the message is the one line the operator reads."""
