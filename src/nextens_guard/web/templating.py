"""The guard's Jinja2 environment: the host's templates first, then ours."""

from __future__ import annotations

import jinja2
from starlette.templating import Jinja2Templates

__all__ = ["DEFAULT_TEMPLATES", "build_templates"]

# The guard's own templates stay reachable under this name too, so a host that overrides
# "nextens_guard/base.html" can still extend the original and change one block.
DEFAULT_TEMPLATES = "nextens_guard_default"


def build_templates(host_loader: jinja2.BaseLoader | None) -> Jinja2Templates:
    """Templates live under ``nextens_guard/``, so a host overrides one, or the base
    layout, by shipping a file of the same name in its own loader, which is asked first."""
    loaders: list[jinja2.BaseLoader] = [
        jinja2.PackageLoader("nextens_guard", "templates"),
        jinja2.PrefixLoader(
            {DEFAULT_TEMPLATES: jinja2.PackageLoader("nextens_guard", "templates/nextens_guard")}
        ),
    ]
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
