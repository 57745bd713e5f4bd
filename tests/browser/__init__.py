"""Browser tests: the real Taskboard over real HTTP, driven by Debian's Chromium (Playwright).

A package, so that the server and the browser (``scope="package"``) are started once for these
tests and stopped before the rest of the suite runs.
"""
