"""The manual's flows in a real browser: Debian's Chromium, driven by Playwright."""
