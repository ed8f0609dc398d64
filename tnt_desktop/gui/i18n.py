"""Languages: the application's .qm, Qt's own zh_CN strings, and the study's zh/en labels."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from tnt_desktop.paths import resource

LANGUAGES = ("zh", "en")
APP_CATALOGUE = "tnt_desktop_zh_CN.qm"


def system_language() -> str:
    return "zh" if QLocale.system().name().lower().startswith("zh") else "en"


class Translations:
    """Installs and swaps translators; `lang` is what the study labels use too."""

    def __init__(self) -> None:
        self.lang = "en"
        self._translators: list[QTranslator] = []

    def install(self, lang: str) -> str:
        app = QCoreApplication.instance()
        assert app is not None
        for translator in self._translators:
            app.removeTranslator(translator)
        self._translators.clear()
        self.lang = lang if lang in LANGUAGES else system_language()
        if self.lang == "zh":
            QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
            qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
            for name, folder in (("qtbase_zh_CN", qt_dir),
                                 (APP_CATALOGUE.removesuffix(".qm"),
                                  str(resource("translations")))):  # fmt: skip
                translator = QTranslator(app)
                if translator.load(name, folder):
                    app.installTranslator(translator)
                    self._translators.append(translator)
        else:
            QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
        return self.lang
