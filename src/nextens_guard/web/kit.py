"""What every route module is handed: the guard and the parts the pages share.

Routes only translate between HTTP and the services: they pass a gate, read a form,
call a service and pick a template. Decisions live in the guard and its services.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .detour import Answers
from .forms import Forms
from .gates import Gates
from .rendering import Rendering
from .steps import EnrollmentSteps

if TYPE_CHECKING:
    from ..guard import Guard

__all__ = ["Kit"]


@dataclass(frozen=True, slots=True)
class Kit:
    guard: Guard
    rendering: Rendering
    answers: Answers
    forms: Forms
    gates: Gates
    steps: EnrollmentSteps

    @classmethod
    def of(cls, guard: Guard) -> Kit:
        rendering = Rendering(guard.settings, guard.csrf)
        forms = Forms(guard.csrf)
        return cls(
            guard=guard,
            rendering=rendering,
            answers=Answers(rendering),
            forms=forms,
            gates=Gates(guard),
            steps=EnrollmentSteps(guard, rendering, forms),
        )
