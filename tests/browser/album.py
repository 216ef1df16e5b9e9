"""Screenshots of every page the flows visit.

Each run writes them to build/screenshots, so they always show the pages as they are
now without changing the checkout; `make screenshots` writes them to docs/screenshots
(SCREENSHOTS_DIR), where the README shows them. The codes, keys and QR codes on them
are made up by a fresh demo app on every run.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from playwright.sync_api import Page, ViewportSize

from tests.browser.server import ROOT

SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR") or ROOT / "build" / "screenshots")
VIEWPORT: ViewportSize = {"width": 1000, "height": 800}


class Album:
    """The screenshots of one flow, numbered in the order the pages were seen:
    ``nl-enroll-1-login.png``, ``nl-enroll-2-install.png``, ..."""

    def __init__(self, flow: str, folder: Path = SCREENSHOTS) -> None:
        self.flow = flow
        self.folder = folder
        self._count = 0

    def take(self, page: Page, name: str) -> Path:
        self._count += 1
        target = self.folder / f"{self.flow}-{self._count}-{name}.png"
        png = page.screenshot(full_page=True, animations="disabled", caret="hide")
        self.folder.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed over it, so a reader (or a second run at
        # the same time) never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".png.part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(png)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return target
