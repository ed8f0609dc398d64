"""PyInstaller runtime hook of TNT Desktop (build.spec), in place of PyInstaller's PySide6 hook.

PyInstaller's own hook imports PySide6.QtCore at every start, before the program runs, to
register an embedded qt.conf (Qt's prefix: the bundle's PySide6/Qt folder) — 100 ms that the
headless commands never need. This one sets the same environment (Qt's plugin and QML paths)
and registers the qt.conf right after PySide6.QtCore is first imported, so only the GUI pays
for Qt. The multiprocessing, inspect and pkgutil hooks are not needed either: the program
starts no processes with multiprocessing, and its modules are plain files (noarchive).
"""

import os
import sys


def _install():
    import importlib.machinery

    qt_dir = os.path.join(sys._MEIPASS, "PySide6")
    if not sys.platform.startswith("win"):
        qt_dir = os.path.join(qt_dir, "Qt")
    os.environ["QT_PLUGIN_PATH"] = os.path.join(qt_dir, "plugins")
    os.environ["QML2_IMPORT_PATH"] = os.path.join(qt_dir, "qml")
    if sys.platform.startswith("win"):  # as PyInstaller's hook: DLLs collected at the top
        os.environ["PATH"] = os.pathsep.join([sys._MEIPASS, os.environ.get("PATH", "")])

    class _AfterQtCore:
        """Meta-path finder: loads PySide6.QtCore as usual, then registers the qt.conf."""

        @staticmethod
        def find_spec(name, path=None, target=None):
            if name != "PySide6.QtCore":
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            if spec is None or spec.loader is None:
                return spec
            loader = spec.loader

            class _Loader:
                def create_module(self, spec):
                    return loader.create_module(spec)

                def exec_module(self, module):
                    loader.exec_module(module)
                    sys.meta_path.remove(_AfterQtCore)
                    from _pyi_rth_utils import qt

                    qt.create_embedded_qt_conf("PySide6", qt_dir)

            spec.loader = _Loader()
            return spec

    sys.meta_path.insert(0, _AfterQtCore)


_install()
del _install
