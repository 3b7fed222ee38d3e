"""What the python-gitlab scripts share: one step's check, and the count they print at the end."""
import sys

_passed = 0


def check(name, condition, detail=""):
    """Prints `ok   NAME`, or `FAIL NAME DETAIL` and exits 1."""
    global _passed
    if not condition:
        print(f"FAIL {name} {detail}")
        sys.exit(1)
    _passed += 1
    print(f"ok   {name}")


def summary(label):
    """`LABEL: N passed, 0 failed` (a failure has exited already)."""
    print(f"{label}: {_passed} passed, 0 failed")
