"""Find the host's guard configuration, as uvicorn finds an app: ``module:callable``.

The host's settings and backend live in the host's code, so the command line imports a
factory from it. The factory takes no arguments, or the keyword arguments
``database_url`` and ``redis_url`` (None when not given on the command line), and
returns a :class:`~nextens_guard.Guard`, a ``(GuardSettings, AuthBackend)`` pair,
or anything with a ``guard`` attribute (a ``TwoFactorMiddleware``). ``--database-url``
and ``--redis-url`` replace what the factory's settings say.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..backend import AuthBackend
from ..guard import Guard
from ..settings import GuardSettings
from .console import EXIT_USAGE, CliError

__all__ = ["APP_ENV", "EXAMPLE_APP", "build_guard", "load_factory"]

APP_ENV = "NEXTENS_GUARD_APP"
EXAMPLE_APP = "example_app.cli_config:guard"


def load_factory(spec: str, app_dir: str | None) -> Callable[..., Any]:
    """The callable ``spec`` names, imported from ``app_dir`` or the installed packages."""
    module_name, colon, attribute = spec.partition(":")
    if not colon or not module_name or not attribute:
        raise CliError(f"--app {spec!r} must look like MODULE:CALLABLE", EXIT_USAGE)
    # Like uvicorn: the host's modules are found from the folder the operator is in.
    folder = str(Path(app_dir or ".").resolve())
    if folder not in sys.path:
        sys.path.insert(0, folder)
    try:
        target: Any = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (module_name + ".").startswith(exc.name + "."):
            raise CliError(
                f"--app {spec!r}: no module named {exc.name!r} in {folder} "
                "or the installed packages",
                EXIT_USAGE,
            ) from None
        raise CliError(
            f"--app {spec!r}: importing {module_name!r} failed: {exc}", EXIT_USAGE
        ) from None
    except Exception as exc:
        raise CliError(
            f"--app {spec!r}: importing {module_name!r} failed ({type(exc).__name__}: {exc})",
            EXIT_USAGE,
        ) from None
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise CliError(
                f"--app {spec!r}: module {module_name!r} has no attribute {attribute!r}",
                EXIT_USAGE,
            ) from None
    if not callable(target):
        raise CliError(f"--app {spec!r} is not callable", EXIT_USAGE)
    return target  # type: ignore[no-any-return]


def _accepted(factory: Callable[..., Any], options: dict[str, str | None]) -> dict[str, Any]:
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return {}
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    return {name: value for name, value in options.items() if takes_any or name in parameters}


async def build_guard(
    spec: str,
    factory: Callable[..., Any],
    *,
    database_url: str | None,
    redis_url: str | None,
) -> Guard:
    """The guard the factory describes, with the command line's overrides applied."""
    options = {"database_url": database_url, "redis_url": redis_url}
    try:
        made = factory(**_accepted(factory, options))
        if inspect.isawaitable(made):
            made = await made
    except CliError:
        raise
    except Exception as exc:
        raise CliError(f"--app {spec!r} failed ({type(exc).__name__}: {exc})", EXIT_USAGE) from None
    overrides: dict[str, Any] = {k: v for k, v in options.items() if v is not None}
    guard = getattr(made, "guard", made)
    try:
        if isinstance(guard, Guard):
            if not overrides:
                return guard
            # The factory's own parts stay unused: nothing was connected yet.
            await guard.shutdown()
            return Guard(backend=guard.host_backend, settings=replace(guard.settings, **overrides))
        if (
            isinstance(made, tuple)
            and len(made) == 2
            and isinstance(made[0], GuardSettings)
            and isinstance(made[1], AuthBackend)
        ):
            settings: GuardSettings = replace(made[0], **overrides)
            return Guard(backend=made[1], settings=settings)
    except CliError:
        raise
    except Exception as exc:
        raise CliError(
            f"--app {spec!r}: the configuration does not work ({type(exc).__name__}: {exc})",
            EXIT_USAGE,
        ) from None
    raise CliError(
        f"--app {spec!r} returned {type(made).__name__}; "
        "expected a Guard or a (GuardSettings, AuthBackend) pair",
        EXIT_USAGE,
    )
