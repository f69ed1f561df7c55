"""The password policy (issue 13 item 1), as a pure function: which rules a new password breaks."""

from flask_babel import lazy_gettext as _l


def character_classes(password: str) -> int:
    """How many of the four classes (upper, lower, digit, symbol) the password uses."""
    found = set()
    for ch in password:
        if ch.isupper():
            found.add("upper")
        elif ch.islower():
            found.add("lower")
        elif ch.isdigit():
            found.add("digit")
        else:
            found.add("symbol")
    return len(found)


def policy_problems(password: str, username: str, min_length: int) -> list[str]:
    """Each rule the password breaks, as a sentence; empty when it passes. (The history is checked
    by the service, which holds the old hashes.)"""
    problems = []
    if len(password) < min_length:
        problems.append(str(_l("At least %(n)s characters.", n=min_length)))
    if character_classes(password) < 3:
        problems.append(str(_l("At least three of: upper-case letters, lower-case letters, digits, symbols.")))
    if username and username.strip().lower() in password.lower():
        problems.append(str(_l("Must not contain the username.")))
    return problems
