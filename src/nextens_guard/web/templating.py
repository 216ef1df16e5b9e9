"""The guard's Jinja2 environment: the host's templates first, then ours."""

from __future__ import annotations

import jinja2
from starlette.templating import Jinja2Templates

__all__ = ["build_templates"]


def build_templates(host_loader: jinja2.BaseLoader | None) -> Jinja2Templates:
    """Templates live under ``nextens_guard/``, so a host overrides one by shipping a
    file of the same name in its own loader."""
    loaders: list[jinja2.BaseLoader] = [jinja2.PackageLoader("nextens_guard", "templates")]
    if host_loader is not None:
        loaders.insert(0, host_loader)
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Jinja2Templates(env=env)
