"""Build hook: the gettext catalogs are compiled into the package.

`locales/<ll>/LC_MESSAGES/bot.po` at the top of the repository is the catalogs' source; every
build (wheel, sdist then wheel, editable install) compiles it into
`bot/locales/<ll>/LC_MESSAGES/bot.mo`, where `bot.i18n` looks, so compiled catalogs are never
committed and never stale in a release. An editable install compiles them in place, beside the
sources, as setuptools asks of commands that generate files. Everything else is in
pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SOURCE = Path("locales")  # relative to ROOT: setuptools wants relative source paths
TARGET = Path("bot", "locales")  # inside the package


def catalogs() -> dict[Path, Path]:
    """Each source catalog and where its compiled form goes, relative to the package root."""
    found = sorted(po.relative_to(ROOT) for po in (ROOT / SOURCE).glob("*/LC_MESSAGES/*.po"))
    return {po: TARGET / po.relative_to(SOURCE).with_suffix(".mo") for po in found}


def compile_catalog(po: Path, mo: Path) -> None:
    """What `pybabel compile` does: fuzzy entries are left out."""
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=po.parent.parent.name)
    mo.parent.mkdir(parents=True, exist_ok=True)
    with mo.open("wb") as handle:
        write_mo(handle, catalog)


class BuildPyWithCatalogs(build_py):
    """build_py, plus the compiled catalogs."""

    def run(self) -> None:
        super().run()
        target = ROOT if self.editable_mode else Path(self.build_lib)
        for po, mo in catalogs().items():
            compile_catalog(ROOT / po, target / mo)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        compiled = [str(Path(self.build_lib) / mo) for mo in catalogs().values()]
        return [*super().get_outputs(include_bytecode), *compiled]

    def get_output_mapping(self) -> dict[str, str]:
        mapping = dict(super().get_output_mapping())
        mapping.update({str(Path(self.build_lib) / mo): str(mo) for mo in catalogs().values()})
        return mapping

    def get_source_files(self) -> list[str]:
        """The sdist carries the sources the catalogs are compiled from."""
        return [*super().get_source_files(), *(str(po) for po in catalogs())]


setup(cmdclass={"build_py": BuildPyWithCatalogs})
