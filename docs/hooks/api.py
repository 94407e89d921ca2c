"""The API reference: one page per public package, generated from the code at build time.

Each page lists every public name of its package (``__all__`` where the package has one, else the
names without a leading underscore that mytorch defines) as a mkdocstrings entry, so a name that
lands in the code is on the site at the next build. The same walk is the docstring check: a public
function or class without a docstring, or a public method or property of a public class without
one (its own or one it inherits from a base class), is a warning, which ``mkdocs build --strict``
turns into a failed build.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import logging
import re
import sys
import textwrap
import types
from dataclasses import dataclass, field
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

log = logging.getLogger("mkdocs.hooks.api")

SRC = Path(__file__).resolve().parents[2] / "src"

# (module, page title, what the page is about). A module that does not import (not landed yet) is left
# out; everything listed that imports gets a page.
PACKAGES: list[tuple[str, str]] = [
    ("mytorch", "tensors, factories, ops, grad mode, random numbers, files, devices"),
    ("mytorch.Tensor", "the tensor and its methods"),
    ("mytorch.autograd", "Function, the engine, grad, gradcheck"),
    ("mytorch.autograd.functional", "jacobian, hessian, vjp, jvp, ... of Python functions"),
    ("mytorch.autograd.graph", "the graph's nodes, make_dot"),
    ("mytorch.linalg", "norms"),
    ("mytorch.cuda", "CPU-only answers to PyTorch's CUDA queries"),
    ("mytorch.backends.mps", "CPU-only answers to PyTorch's MPS queries"),
    ("mytorch.backends.cudnn", "PyTorch's cuDNN switches, accepted and without effect"),
    ("mytorch.accelerator", "CPU-only answers to PyTorch's accelerator queries"),
    ("mytorch.nn", "Module, Parameter, layers, activations, losses"),
    ("mytorch.nn.functional", "the layers and losses as functions"),
    ("mytorch.nn.init", "initializers"),
    ("mytorch.nn.utils", "gradient clipping, parameters as vectors"),
    ("mytorch.optim", "optimizers"),
    ("mytorch.optim.lr_scheduler", "learning-rate schedules"),
    ("mytorch.utils", "make_grid, save_image"),
    ("mytorch.utils.data", "datasets, samplers, DataLoader"),
    ("mytorch.utils.tensorboard", "SummaryWriter"),
    ("mytorch.io", "image files"),
    ("mytorch.datasets", "MNIST, Fashion-MNIST, CIFAR-10, folders of images"),
    ("mytorch.transforms", "transforms of tensors and images"),
    ("mytorch.transforms.functional", "the transforms as functions"),
    ("mytorch.models", "the seeds' models"),
    ("mytorch.train", "fit, epochs, checkpoints, metrics"),
    ("mytorch.train.recipe", "RunConfig, the name registries, run"),
    ("mytorch.lab", "optimizer studies"),
    ("mytorch.manual", "the handouts' hand-written backprop layers"),
    ("mytorch.compat.needle", "the 10-714 needle API: Tensor and ops"),
    ("mytorch.compat.needle.nn", "needle's modules"),
    ("mytorch.compat.needle.init", "needle's initializers"),
    ("mytorch.compat.needle.optim", "needle's optimizers"),
    ("mytorch.compat.needle.data", "needle's datasets and DataLoader"),
    ("mytorch.compat.needle.apps.mlp_resnet", "needle's MLPResNet and its training functions"),
]


@dataclass
class Page:
    module: str
    about: str
    entries: list[str] = field(default_factory=list)  # mkdocstrings identifiers
    aliases: list[tuple[str, str]] = field(default_factory=list)  # (public name, the name it is another name of)
    constants: list[tuple[str, str]] = field(default_factory=list)  # (public name, repr)
    elsewhere: list[tuple[str, str]] = field(default_factory=list)  # (public name, its entry on another page)


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _public_names(mod: types.ModuleType) -> list[str]:
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n in vars(mod) if not n.startswith("_")]
    return list(names)


def _ours(obj) -> bool:
    return (getattr(obj, "__module__", None) or "").split(".")[0] == "mytorch"


def _where(obj) -> str:
    try:
        path = Path(inspect.getsourcefile(obj)).resolve()
        line = inspect.getsourcelines(obj)[1]
        return f"{path.relative_to(SRC.parent)}:{line}"
    except (TypeError, OSError, ValueError):
        return "?"


def _has_doc(obj) -> bool:
    # Its own docstring: ``inspect.getdoc`` would lend a class the docstring of its base class.
    return bool((getattr(obj, "__doc__", None) or "").strip())


def _member_doc(cls: type, name: str) -> bool:
    """Whether ``cls.name`` has a docstring, its own or one inherited from a base class's member."""
    for base in cls.__mro__:
        if name in vars(base):
            raw = vars(base)[name]
            target = raw.fget if isinstance(raw, property) else getattr(raw, "__func__", raw)
            if (getattr(target, "__doc__", None) or "").strip():
                return True
    return False


def _check_class(cls: type, missing: list[str], public: str) -> None:
    for name, raw in vars(cls).items():
        if name.startswith("_"):
            continue
        target = raw.fget if isinstance(raw, property) else getattr(raw, "__func__", raw)
        if not (isinstance(raw, property) or inspect.isfunction(target)):
            continue  # class attributes (constants) are described by the class docstring
        if not _member_doc(cls, name):
            missing.append(f"{public}.{name} ({_where(target)})")


def collect() -> tuple[list[Page], list[str]]:
    """The pages to write, and the public names (with their source line) that have no docstring."""
    if str(SRC) not in sys.path:
        sys.path.insert(0, str(SRC))
    pages, missing = [], []
    seen_classes: set[int] = set()
    documented: dict[int, str] = {}  # id(object) -> the identifier of its entry (each object has one)
    for module, about in PACKAGES:
        if module == "mytorch.Tensor":
            import mytorch

            pages.append(Page(module, about, ["mytorch.Tensor"]))
            _check_class(mytorch.Tensor, missing, "mytorch.Tensor")
            continue
        if not _importable(module):
            continue
        mod = importlib.import_module(module)
        page = Page(module, about)
        for name in _public_names(mod):
            obj = getattr(mod, name)
            if isinstance(obj, types.ModuleType):
                continue  # subpackages have pages of their own
            if module == "mytorch" and name == "Tensor":
                continue
            if not (inspect.isclass(obj) or callable(obj)):
                if _ours(type(obj)) or isinstance(obj, (int, float, str, tuple, dict)):
                    page.constants.append((name, repr(obj)))
                continue
            defined_in = getattr(obj, "__module__", None) or ""
            if not _ours(obj) or (module != "mytorch" and not f"{defined_in}.".startswith(f"{module}.")):
                continue  # a name defined elsewhere (typing, numpy, another mytorch package), imported for use
            if id(obj) in documented:
                page.elsewhere.append((name, documented[id(obj)]))
                continue
            canonical = getattr(obj, "__name__", name)
            if canonical != name and getattr(mod, canonical, None) is obj:
                page.aliases.append((name, canonical))
                continue
            ident = f"{module}.{name}" if canonical == name else f"{obj.__module__}.{obj.__qualname__}"
            page.entries.append(ident)
            documented[id(obj)] = ident
            if not _has_doc(obj):
                missing.append(f"{module}.{name} ({_where(obj)})")
            if inspect.isclass(obj) and id(obj) not in seen_classes:
                seen_classes.add(id(obj))
                _check_class(obj, missing, f"{module}.{name}")
        # Classes first, then functions, each alphabetically: the order a reader looks a name up in.
        page.entries.sort(key=lambda ident: (not _is_class(ident), ident.rsplit(".", 1)[1].lower()))
        pages.append(page)
    return pages, missing


def _is_class(ident: str) -> bool:
    module, _, name = ident.rpartition(".")
    try:
        return inspect.isclass(getattr(importlib.import_module(module), name))
    except (ImportError, AttributeError):
        return False


def page_uri(module: str) -> str:
    return f"api/{module}.md"


def render(page: Page) -> str:
    lines = [f"# `{page.module}`", "", f"*{page.about}.*", ""]
    if page.module != "mytorch.Tensor":
        lines += [
            f"::: {page.module}",
            "    options:",
            "      members: false",
            "      show_root_heading: false",
            "      show_source: false",
            "",
        ]
    for ident in page.entries:
        lines += [f"::: {ident}", ""]
    if page.aliases:
        lines += ["## Other names", "", "| name | is another name of |", "|---|---|"]
        anchor = {e.rsplit(".", 1)[1]: e for e in page.entries}
        for name, canonical in page.aliases:
            target = anchor.get(canonical)
            ref = f"[`{canonical}`][{target}]" if target else f"`{canonical}`"
            lines.append(f"| `{name}` | {ref} |")
        lines.append("")
    if page.elsewhere:
        lines += ["## Also here", "", "| name | documented as |", "|---|---|"]
        lines += [f"| `{name}` | [`{target}`][{target}] |" for name, target in page.elsewhere]
        lines.append("")
    if page.constants:
        lines += ["## Constants", "", "| name | value |", "|---|---|"]
        lines += [f"| `{name}` | `{value}` |" for name, value in page.constants]
        lines.append("")
    return "\n".join(lines)


_PAGES: list[Page] = []

# ``<!-- source: mytorch.ops.elementwise.Mul -->`` in a page becomes that object's source code, read
# from the file at build time (a guide that walks through code shows the code as it is today).
_SOURCE = re.compile(r"^<!-- source: ([\w.]+) -->$", re.M)


def _source_block(match: re.Match) -> str:
    path = match.group(1)
    module_name, obj = path, None
    rest: list[str] = []
    while obj is None:
        try:
            obj = importlib.import_module(module_name)
        except ImportError:
            if "." not in module_name:
                raise PluginError(f"source: cannot import any prefix of {path}") from None
            module_name, _, last = module_name.rpartition(".")
            rest.insert(0, last)
    for name in rest:
        try:
            obj = getattr(obj, name)
        except AttributeError:
            raise PluginError(f"source: {path} does not exist ({name!r} is missing)") from None
    obj = inspect.unwrap(obj)
    lines, start = inspect.getsourcelines(obj)
    where = f"{Path(inspect.getsourcefile(obj)).resolve().relative_to(SRC.parent)}, line {start}"
    code = textwrap.dedent("".join(lines)).rstrip()
    return f'```python title="{where}"\n{code}\n```'


def on_page_markdown(markdown, page, config, files):
    return _SOURCE.sub(_source_block, markdown)


def on_config(config):
    pages, missing = collect()
    _PAGES[:] = pages
    for item in missing:
        log.warning(f"public name without a docstring: {item}")
    api_nav = [{p.module: page_uri(p.module)} for p in pages]
    config.nav = [*(config.nav or []), {"API reference": api_nav}]
    # `make results` copies the full-size studies' reports into docs/results/<study>/; their
    # self-contained report.html files are published as they are, listed on one generated page.
    _RESULTS[:] = sorted(p.parent.name for p in Path(config.docs_dir, "results").glob("*/report.html"))
    if _RESULTS:
        config.nav.append({"Results": "results.md"})
    return config


_RESULTS: list[str] = []


def _results_page() -> str:
    lines = ["# Results", "", "The reports of the full-size studies (`make results`), each self-contained:", ""]
    lines += [f"- [{name}](results/{name}/report.html)" for name in _RESULTS]
    return "\n".join(lines) + "\n"


def on_files(files, config):
    for page in _PAGES:
        files.append(File.generated(config, page_uri(page.module), content=render(page)))
    if _RESULTS:
        files.append(File.generated(config, "results.md", content=_results_page()))
    return files
