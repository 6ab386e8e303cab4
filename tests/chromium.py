"""Debian's Chromium as every browser test launches it, and where the tests put screenshots."""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# Without these Chromium keeps trying to reach the internet, which these machines refuse.
QUIET_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The artefact folder: screenshots of every page at desktop and phone widths, to be looked at.
SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"
