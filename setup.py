"""Packaging glue that pyproject.toml cannot express: the top-level `resources/` folder (fonts,
translations, styles, icons, schemas) travels inside the wheel as the package data of
`tnt_desktop._resources`, where `tnt_desktop.paths.resource_root()` finds it in an installed
program. Everything else is declared in pyproject.toml."""

from setuptools import find_namespace_packages, setup

RESOURCES = "tnt_desktop._resources"

setup(
    # namespace packages too: tnt_desktop.study and a few others have no __init__.py
    packages=[*find_namespace_packages(include=["tnt_desktop", "tnt_desktop.*"],
                                       exclude=["*.__pycache__", "*__pycache__*"]), RESOURCES],
    package_dir={RESOURCES: "resources"},
    package_data={
        RESOURCES: ["*.md", "fonts/*", "icons/*", "styles/*", "translations/*.qm", "schemas/*"],
        "tnt_desktop.storage": ["migrations/*.mako"],
    },
)
