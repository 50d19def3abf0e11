"""When the text output is coloured: ``--color``, ``--no-color``, ``NO_COLOR`` and ``FORCE_COLOR``."""

from __future__ import annotations

from typing import Mapping, Optional

COLOR_CHOICES = ("auto", "always", "never")


def color_wanted(choice: Optional[str], no_color: bool, environ: Mapping[str, str], isatty: bool) -> bool:
    """Decide whether to colour, strongest first.

    1. The command line: ``--color=always`` or ``--color=never`` (``--no-color`` is ``never``);
       as in ruff, an explicit ``--color`` wins over the environment.
    2. ``NO_COLOR`` set to a non-empty value: no colour (no-color.org; it wins over ``FORCE_COLOR``,
       as in uv and the NO_COLOR convention: the mute button wins over the volume).
    3. ``FORCE_COLOR`` set to a non-empty value, whatever it is (force-color.org, so ``0`` too): colour.
    4. Otherwise colour only on a terminal.
    """
    if no_color or choice == "never":
        return False
    if choice == "always":
        return True
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    return isatty
