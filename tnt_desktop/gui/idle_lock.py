"""Idle lock: after the configured idle time the window is covered and asks for the password.

Input typed before the lock stays in its widgets (they are only covered, never cleared or
rebuilt); the overlay takes the focus and gives it back after the unlock.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QWindow
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tnt_desktop.errors import TntError
from tnt_desktop.gui.context import GuiContext
from tnt_desktop.gui.styles import apply_style
from tnt_desktop.services import auth

_ACTIVITY = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin,
}  # fmt: skip


class LockOverlay(QWidget):
    def __init__(self, parent: QWidget, context: GuiContext) -> None:
        super().__init__(parent)
        self.setObjectName("lockOverlay")
        apply_style(self)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAutoFillBackground(True)  # opaque even without the stylesheet: hide the data
        self.context = context
        self.title = QLabel()
        self.title.setObjectName("lockTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)  # never clipped, in either language (issue 16): the
        # title takes the overlay's width (no alignment in the layout, so its height follows
        # its width) and centres its own lines
        self.manual = False  # locked with Ctrl+L rather than after inactivity
        self.password = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.password.setObjectName("lockPassword")
        self.password.setMinimumWidth(280)
        self.password.setMaximumWidth(320)
        self.button = QPushButton()
        self.button.setObjectName("unlockButton")
        self.button.setMinimumWidth(140)
        self.message = QLabel()
        self.message.setObjectName("messageLabel")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.setContentsMargins(40, 20, 40, 20)
        layout.addWidget(self.title)
        for widget in (self.password, self.button, self.message):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        self.hide()

    def retranslate(self) -> None:
        user = self.context.session.display_name
        if self.manual:
            text = self.tr("Screen locked. {user}, enter your password to continue; your "
                           "unsaved input is kept.")
        else:
            text = self.tr("Locked after inactivity. {user}, enter your password to "
                           "continue; your unsaved input is kept.")
        self.title.setText(text.format(user=user))
        self.button.setText(self.tr("Unlock"))


class IdleLock(QObject):
    """Watches input application-wide; locks the session and covers the window when idle."""

    tick = Signal(int)  # seconds left before the lock

    def __init__(self, window: QMainWindow, context: GuiContext) -> None:
        super().__init__(window)
        self.window, self.context = window, context
        self.overlay = LockOverlay(window, context)
        self.overlay.button.clicked.connect(self._unlock)
        self.overlay.password.returnPressed.connect(self._unlock)
        self._focus: QWidget | None = None
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._check)
        self.timer.start(1000)
        window.installEventFilter(self)  # resizes, to keep the overlay covering it
        app = QGuiApplication.instance()
        app.focusWindowChanged.connect(self._watch)
        self._watch(window.windowHandle())
        self._watch(app.focusWindow())

    @property
    def locked(self) -> bool:
        return self.context.session.locked

    def stop(self) -> None:
        self.timer.stop()
        app = QGuiApplication.instance()
        if app is None:
            return
        app.focusWindowChanged.disconnect(self._watch)
        for top in app.topLevelWindows():
            top.removeEventFilter(self)

    def _watch(self, top: QWindow | None) -> None:
        """Installing twice on the same window is harmless: Qt keeps one."""
        if top is not None:
            top.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.window:
            if kind == QEvent.Type.Resize:
                self.overlay.setGeometry(self.window.rect())
            elif kind == QEvent.Type.Show:  # the QWindow exists from the first show on
                self._watch(self.window.windowHandle())
        elif kind in _ACTIVITY and not self.locked:
            self.context.session.touch()
        return False

    def _check(self) -> None:
        session = self.context.session
        if self.locked:
            return
        left = int(session.idle_seconds_left())
        self.tick.emit(left)
        if left <= 0:
            self.lock_now()

    def lock_now(self, manual: bool = False) -> None:
        """Lock the session and cover the window; `manual` for Ctrl+L (the message then does
        not speak of inactivity)."""
        if self.locked:
            return
        self.overlay.manual = manual
        self._focus = QApplication.focusWidget()
        try:
            auth.lock(self.context.session)
        except TntError:
            self.context.session.locked = True
        self.overlay.retranslate()
        self.overlay.message.clear()
        self.overlay.setGeometry(self.window.rect())
        self.overlay.raise_()
        self.overlay.show()
        self.overlay.password.setFocus()

    def _unlock(self) -> None:
        try:
            auth.unlock(self.context.session, self.overlay.password.text())
        except TntError as exc:
            self.overlay.password.clear()
            self.overlay.message.setText(exc.message.get(self.context.lang))
            return
        self.overlay.password.clear()
        self.overlay.hide()
        if self._focus is not None:
            self._focus.setFocus()
