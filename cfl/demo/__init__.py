"""The demo: illustrative inputs for seven product categories and the whole flow on them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cfl.lazy import lazy_exports

if TYPE_CHECKING:
    from cfl.demo.data import build_demo
    from cfl.demo.flow import DemoRun, run_demo

_HOMES = {
    "DemoRun": "cfl.demo.flow",
    "build_demo": "cfl.demo.data",
    "run_demo": "cfl.demo.flow",
}
__all__ = [
    "DemoRun",
    "build_demo",
    "run_demo",
]
__getattr__ = lazy_exports("cfl.demo", _HOMES)
