"""Let a subpackage be called like the function it is named after.

``modelspec.validate``, ``modelspec.resolve`` and ``modelspec.scan`` are both subpackages and
public entry points. Python binds a subpackage to its parent's attribute when it is first
imported, which would replace a function of the same name; making the module itself callable
keeps ``modelspec.validate(...)`` and ``modelspec.validate.Validator`` both working, whichever
is imported first, and lets the top-level package stay lazy.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any


def make_callable(module_name: str, function: Callable[..., Any]) -> None:
    """Calling the module ``module_name`` calls ``function`` with the same arguments."""

    class _CallableModule(types.ModuleType):
        __doc__ = function.__doc__

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            return function(*args, **kwargs)

    sys.modules[module_name].__class__ = _CallableModule
