"""Start the app's Streamlit server with every module of the app imported first.

    .venv/bin/python -m ui.server [streamlit run options, such as --server.port 8601]

is ``streamlit run app.py`` plus one step before the server takes requests: it
imports `core` and `ui` (and so NumPy, pandas, Plotly, mpmath...) on the main
thread. A class opens its pages at the same moment; on a server that has just
started, each page's first run imported those libraries in its own script
thread, and Python's import deadlock avoidance handed some threads a module
another thread had only half imported ("partially initialized module 'pandas'
has no attribute 'Series'", "cannot import name '__cpu_features__' from
partially initialized module 'numpy._core._multiarray_umath'"): those students
saw an error page. Measured with ten sessions opening the four lesson pages at
once on a cold server: 3 to 4 of the ten broke; none once imported first.

It also makes Streamlit send every finished run's output (`ui.run_handover`),
hand a run's events to the event loop in bursts (`ui.event_batching`) and build
the theme part of its new-session message once (`ui.theme_cache`); then it
freezes what those imports made (`freeze_imported_objects`), so that Python's
full garbage collections walk only what the sessions make.
"""

from __future__ import annotations

import gc
import importlib
import pkgutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"


LAZY_IMPORTS = ("pandas",)
"""Libraries that others import only when first used: Plotly imports pandas when it
builds its first figure, and then looks it up in ``sys.modules`` without waiting for a
thread that is still importing it."""


def import_app_modules() -> list[str]:
    """Import every module of the `core` and `ui` packages, and `LAZY_IMPORTS`.

    Returns
    -------
    list of str
        The modules imported, in the order walked.
    """
    names = list(LAZY_IMPORTS)
    for name in LAZY_IMPORTS:
        importlib.import_module(name)
    for package in ("core", "ui"):
        for module in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
            if module.name != __name__:
                importlib.import_module(module.name)
                names.append(module.name)
    return names


def freeze_imported_objects() -> int:
    """Move every object alive now out of the garbage collector's sight; return how many.

    Called once, after the imports and before any session exists: what is alive
    then (modules, classes, functions, tables, about 150,000 objects) lives as
    long as the server, and a full collection walked all of it again each time,
    about 100 ms with the GIL held. Measured under 30 students over 25 s: the
    full collections took 195 ms of server CPU before, 27 ms after.

    Returns
    -------
    int
        The objects frozen.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def main(argv: list[str] | None = None) -> None:
    """Import the app's modules, then run ``streamlit run app.py`` with `argv`."""
    import_app_modules()
    from streamlit.web import cli

    from ui import event_batching, run_handover, theme_cache

    run_handover.install()
    event_batching.install()
    theme_cache.install()
    freeze_imported_objects()

    cli.main(["run", str(APP), *(sys.argv[1:] if argv is None else argv)], prog_name="streamlit")


if __name__ == "__main__":
    main()
